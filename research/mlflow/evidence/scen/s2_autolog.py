from common import mark
import mlflow
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
mlflow.set_experiment("auto")
mark("S2-set_experiment-done")
mlflow.sklearn.autolog()
mark("S2-autolog-done")
X, y = load_iris(return_X_y=True)
LogisticRegression(max_iter=200).fit(X, y)
mark("S2-fit-done")
