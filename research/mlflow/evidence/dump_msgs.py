import sys
from google.protobuf.descriptor import FieldDescriptor as FD
from mlflow.protos import databricks_pb2, service_pb2, model_registry_pb2, mlflow_artifacts_pb2
exec(open("dump_protos.py").read().split("only = set")[0])
for name in sys.argv[1:]:
    for mod in (service_pb2, model_registry_pb2, mlflow_artifacts_pb2):
        m = mod.DESCRIPTOR.message_types_by_name.get(name)
        if m:
            print(f"{name}: " + "; ".join(fields(m)))
            break
        e = mod.DESCRIPTOR.enum_types_by_name.get(name)
        if e:
            print(f"enum {name}: " + ", ".join(f"{v.name}={v.number}" for v in e.values)); break
    else: print("??", name)
