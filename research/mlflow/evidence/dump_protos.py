import sys
from google.protobuf.descriptor import FieldDescriptor as FD
from mlflow.protos import databricks_pb2, service_pb2, model_registry_pb2, mlflow_artifacts_pb2
TYPES = {v: k[5:].lower() for k, v in FD.__dict__.items() if k.startswith("TYPE_")}
def ftype(f):
    if f.type == FD.TYPE_MESSAGE: t = f.message_type.name
    elif f.type == FD.TYPE_ENUM: t = "enum " + f.enum_type.name
    else: t = TYPES[f.type]
    if getattr(f, "is_repeated", None) if hasattr(f, "is_repeated") else f.label == FD.LABEL_REPEATED: t = f"[{t}]"
    return t
def fields(m, depth=0, seen=None):
    out = []
    for f in m.fields:
        opts = f.GetOptions()
        req = ""
        try:
            if opts.Extensions[databricks_pb2.validate_required]: req = " REQUIRED"
        except Exception: pass
        dflt = ""
        if f.has_default_value: dflt = f" default={f.default_value!r}"
        out.append(f"{'  '*depth}{f.name}: {ftype(f)}{req}{dflt}")
    return out
only = set(sys.argv[1:])
for mod, svcname in [(service_pb2,"MlflowService"),(model_registry_pb2,"ModelRegistryService"),(mlflow_artifacts_pb2,"MlflowArtifactsService")]:
    svc = mod.DESCRIPTOR.services_by_name[svcname]
    print("=====", svcname)
    for m in svc.methods:
        if only and m.name not in only: continue
        eps = m.GetOptions().Extensions[databricks_pb2.rpc].endpoints
        print(f"## {m.name}: " + ", ".join(f"{e.method} {e.path} (v{e.since.major}.{e.since.minor})" for e in eps))
        print("  req", m.input_type.name, ":", "; ".join(fields(m.input_type)))
        print("  resp", m.output_type.name, ":", "; ".join(fields(m.output_type)))
