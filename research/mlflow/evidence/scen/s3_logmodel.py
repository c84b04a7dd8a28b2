from common import mark
import mlflow
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
X, y = load_iris(return_X_y=True)
m = LogisticRegression(max_iter=200).fit(X, y)
mlflow.set_experiment("reg")
with mlflow.start_run():
    mark("S3-start_run-done")
    info = mlflow.sklearn.log_model(m, name="model", registered_model_name="iris-clf")
    mark("S3-log_model-done")
print(info.model_uri, info.model_id, info.registered_model_version)
from mlflow import MlflowClient
MlflowClient().set_registered_model_alias("iris-clf", "champion", "1")
mark("S3-alias-done")
