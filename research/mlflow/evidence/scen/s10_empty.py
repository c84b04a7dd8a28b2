import mlflow, tempfile, os
mlflow.set_experiment("x")
with mlflow.start_run():
    d = tempfile.mkdtemp(); p = os.path.join(d, "empty.txt"); open(p, "w").close()
    mlflow.log_artifact(p)
    p2 = os.path.join(d, "five.bin"); open(p2, "wb").write(b"12345"); mlflow.log_artifact(p2, "sub dir/x")
