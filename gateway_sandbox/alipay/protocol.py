"""Written in its own branch."""


def register_protocol() -> None:
    pass
