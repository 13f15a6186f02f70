"""The actor behind set-up commands run on the server itself (the CLI): the machine's operator."""

from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass


@dataclass(frozen=True)
class Operator:
    """Someone with a shell on the server; already owns the database, so acts as an admin."""

    id: None
    email: str
    role: str = "admin"
    full_name: str = "Server operator"
    owns_database: bool = True  # row_security.acting_as keeps the owning role for it, as for migrations


def current_operator() -> Operator:
    """The operator running this process, named for the audit log."""
    try:
        user = getpass.getuser()
    except Exception:  # no passwd entry for the uid
        user = "unknown"
    return Operator(id=None, email=f"cli:{user}@{socket.gethostname()}")
