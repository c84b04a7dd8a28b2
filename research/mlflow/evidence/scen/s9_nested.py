from common import mark
import mlflow
mlflow.set_experiment("x")
mark("S9-parent")
try:
    with mlflow.start_run(run_name="parent", description="hello") as p:
        with mlflow.start_run(nested=True):
            mark("S9-child-started")
        raise RuntimeError("boom")
except RuntimeError:
    pass
mark("S9-done")
