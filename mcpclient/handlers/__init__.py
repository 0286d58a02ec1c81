"""Handlers for what a server sends on its own: logs, progress, sampling, elicitation, roots.

Each module holds one handler kind: its type alias, its default, and the adapter that
turns a user's function (plain or async) into the callback the SDK session calls.
"""

from .context import HandlerContext, call_handler
from .elicitation import ElicitationHandler
from .logging import LogHandler, LogMessage
from .message import MessageHandler, MessageHandlerFn
from .progress import ProgressHandler
from .roots import RootsHandler, RootsList
from .sampling import SamplingHandler

__all__ = [
    "ElicitationHandler",
    "HandlerContext",
    "LogHandler",
    "LogMessage",
    "MessageHandler",
    "MessageHandlerFn",
    "ProgressHandler",
    "RootsHandler",
    "RootsList",
    "SamplingHandler",
    "call_handler",
]
