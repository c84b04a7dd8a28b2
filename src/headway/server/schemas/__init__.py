"""Wire models of the REST API (pydantic).

Domain entities never travel as-is: each output model has a ``from_entity`` that is the
one place an entity becomes wire data, and each input model a ``to_entity`` (or plain
fields) for the other direction. The web UI's typed client is generated from these.
"""
