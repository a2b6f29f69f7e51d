"""Documents synthesized from ``ecsflow.yml``: least-privilege IAM policies and the AWS-native
CodePipeline as a CloudFormation template. Pure functions of the configuration: no AWS calls."""
