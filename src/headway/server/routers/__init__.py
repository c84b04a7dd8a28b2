"""One router per resource, all mounted under ``/api/v1`` by ``create_app``.

Handlers that call the backend are plain ``def``: FastAPI runs them in its threadpool,
so blocking database work never stalls the event loop.
"""
