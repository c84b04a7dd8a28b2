from common import mark
import mlflow
from mlflow import MlflowClient
c = MlflowClient()
rid = c.search_runs(["3"])[0].info.run_id
mark("S8-register_model runs:/ uri, existing name")
mv = mlflow.register_model(f"runs:/{rid}/model", "iris-clf")
mark("S8-done")
print(mv.version, mv.source)
