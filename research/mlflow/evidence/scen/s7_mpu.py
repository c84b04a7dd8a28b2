from common import mark
import mlflow, os, tempfile
mlflow.set_experiment("x")
with mlflow.start_run():
    d = tempfile.mkdtemp(); p = os.path.join(d, "big.bin"); open(p, "wb").write(os.urandom(1500))
    mark("S7-log_artifact_big")
    mlflow.log_artifact(p)
    mark("S7-done")
