"""The command-line interface: argv, environment, terminal and exit codes live here only."""
