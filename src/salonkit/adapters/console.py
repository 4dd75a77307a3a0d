"""Console adapters for development: a notifier and a plain-text printer writing to a stream."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from salonkit.plugins.hookspecs import Message, Notifier, Printer, PrintJob, hookimpl


class ConsoleNotifier:
    """Writes each message to a text stream (standard output by default) instead of sending it."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def send(self, message: Message) -> str:
        """Write the message; its key is the delivery reference."""
        out = self._stream or sys.stdout
        subject = f" [{message.subject}]" if message.subject else ""
        out.write(f"[{message.channel} → {message.to}]{subject} {message.body}\n")
        return message.key


class ConsolePrinter:
    """Writes each print job's text to a text stream, between rules, like a paper roll."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def print(self, job: PrintJob) -> None:
        """Write the job's text."""
        out = self._stream or sys.stdout
        rule = "-" * 42
        out.write(f"{rule}\n{job.text.rstrip()}\n{rule}\n")


@hookimpl
def salonkit_register_notifiers(register: Callable[[str, Notifier], None]) -> None:
    """Register the console notifier for the ``console`` channel."""
    register("console", ConsoleNotifier())


@hookimpl
def salonkit_register_printers(register: Callable[[str, Printer], None]) -> None:
    """Register the console printer as ``console``."""
    register("console", ConsolePrinter())
