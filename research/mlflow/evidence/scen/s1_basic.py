from common import mark
import mlflow, tempfile, os
mark("S1-import-done")
mlflow.set_experiment("x")
mark("S1-set_experiment-done")
with mlflow.start_run():
    mark("S1-start_run-done")
    mlflow.log_param("lr", 0.01)
    mark("S1-log_param-done")
    mlflow.log_metric("loss", 0.5)
    mark("S1-log_metric-done")
    d = tempfile.mkdtemp(); p = os.path.join(d, "notes.txt"); open(p, "w").write("hello")
    mlflow.log_artifact(p)
    mark("S1-log_artifact-done")
mark("S1-end")
