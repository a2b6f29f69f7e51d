"""Parse, validate, convert and serialize the files of the AWS delivery pipeline.

Pure code: no AWS calls and no boto3/botocore import (task definitions are checked
against botocore's ECS service *model file*, read by ``service_model``). Every
parser raises ``ecsflow.errors.ArtifactError`` listing all the problems it found,
each located by file and path; nothing else escapes a parser.

Modules, one file format each: ``imagedefs`` (imagedefinitions.json),
``imagedetail`` (imageDetail.json), ``taskdef`` (task definitions), ``appspec``
(CodeDeploy AppSpec for ECS), ``buildspec`` (CodeBuild buildspec 0.2), ``imageref``
(image references), and ``detect`` (which file is which, and ``validate_file``).
"""
