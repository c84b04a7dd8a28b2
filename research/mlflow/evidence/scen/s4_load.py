from common import mark
import mlflow
mark("S4-start")
m = mlflow.pyfunc.load_model("models:/iris-clf@champion")
mark("S4-load-done")
print(m.predict([[5.1, 3.5, 1.4, 0.2]]))
