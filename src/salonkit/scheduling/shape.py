"""The shape of a service in time: where each step, buffer and resource hold falls.

A service is a sequence of steps run back to back. Relative to the customer's start (offset 0):

- each step occupies ``[offset, offset + minutes)``; the customer is busy from the first step's
  start to the last step's end;
- the staff member is busy during every step with ``staff_busy=True`` and during the buffers:
  ``buffer_before`` minutes before the first step and ``buffer_after`` minutes after the last
  (preparation and clean-up are the stylist's time);
- each step holds one unit of every resource kind it lists; the first step's units are also held
  during ``buffer_before`` and the last step's during ``buffer_after`` (a chair is prepared and
  cleaned too).

This module is the one place that rule lives: the availability engine, conflict detection and
stored appointments all derive their intervals from :class:`Shape`.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from salonkit.domain.catalogue import Service
from salonkit.domain.staff import StaffMember
from salonkit.errors import ValidationError

#: An interval of seconds, half-open ``[start, end)``.
Span = tuple[int, int]


@attrs.frozen
class StepShape:
    """One step of a shape: offset and length in minutes, whether it needs the staff member,
    and the resource kinds it holds (a kind listed twice needs two units)."""

    name: str
    offset: int
    minutes: int
    staff_busy: bool
    kinds: tuple[str, ...] = ()


@attrs.frozen
class Requirement:
    """A need for ``count`` units of resource ``kind`` over ``[start, end)`` seconds from the start."""

    step: int
    kind: str
    count: int
    start: int
    end: int


def _merge(spans: Sequence[Span]) -> tuple[Span, ...]:
    out: list[Span] = []
    for a, b in sorted(s for s in spans if s[1] > s[0]):
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return tuple(out)


@attrs.frozen
class Shape:
    """A service's steps laid out from offset 0, with buffers, for one staff member."""

    service_id: str
    steps: tuple[StepShape, ...]
    buffer_before: int = 0
    buffer_after: int = 0

    @property
    def minutes(self) -> int:
        """Customer time: first step start to last step end."""
        last = self.steps[-1]
        return last.offset + last.minutes

    @property
    def key(self) -> tuple[object, ...]:
        """A hashable identity of the timing (two staff with equal durations share it)."""
        return (self.service_id, self.buffer_before, self.buffer_after, self.steps)

    def staff_spans(self) -> tuple[Span, ...]:
        """Seconds (from the start) during which the staff member is busy, buffers included."""
        spans = [(s.offset * 60, (s.offset + s.minutes) * 60) for s in self.steps if s.staff_busy]
        if self.buffer_before:
            spans.append((-self.buffer_before * 60, 0))
        if self.buffer_after:
            spans.append((self.minutes * 60, (self.minutes + self.buffer_after) * 60))
        return _merge(spans)

    def customer_span(self) -> Span:
        """Seconds during which the customer is in the salon."""
        return (0, self.minutes * 60)

    def hold_span(self) -> Span:
        """Everything held, buffers included."""
        return (-self.buffer_before * 60, (self.minutes + self.buffer_after) * 60)

    def step_span(self, index: int) -> Span:
        """The seconds a step's resources are held, with the buffer on the first and last step."""
        step = self.steps[index]
        start = step.offset * 60
        end = (step.offset + step.minutes) * 60
        if index == 0:
            start -= self.buffer_before * 60
        if index == len(self.steps) - 1:
            end += self.buffer_after * 60
        return (start, end)

    def requirements(self) -> tuple[Requirement, ...]:
        """The resource needs of every step, a kind listed ``n`` times needing ``n`` units."""
        out: list[Requirement] = []
        for index, step in enumerate(self.steps):
            start, end = self.step_span(index)
            for kind in sorted(set(step.kinds)):
                out.append(Requirement(index, kind, step.kinds.count(kind), start, end))
        return tuple(out)


#: Shapes already worked out, by the identity of the (immutable) service and staff member.
_SHAPES: dict[tuple[int, int], tuple[Service, StaffMember | None, Shape]] = {}
_SHAPES_KEPT = 4096


def shape_of(service: Service, staff: StaffMember | None = None) -> Shape:
    """The shape of ``service``, with ``staff``'s own step durations when they have an override.

    Raises :class:`~salonkit.ValidationError` when the override has the wrong number of steps.
    The shape of the same service and staff objects is worked out once (every booking check
    asks for it): services and staff members are values, a changed one is a new object, never
    one changed in place.
    """
    key = (id(service), id(staff))
    found = _SHAPES.get(key)
    if found is not None and found[0] is service and found[1] is staff:
        return found[2]
    shape = _layout(service, staff)
    if len(_SHAPES) >= _SHAPES_KEPT:
        _SHAPES.clear()
    _SHAPES[key] = (service, staff, shape)
    return shape


def _layout(service: Service, staff: StaffMember | None) -> Shape:
    override = staff.duration_overrides.get(service.id) if staff is not None else None
    minutes = service.step_minutes(override)
    steps: list[StepShape] = []
    offset = 0
    for step, length in zip(service.steps, minutes, strict=True):
        if length == 0:
            continue  # an override may drop a step for this person
        steps.append(StepShape(step.name, offset, length, step.staff_busy, tuple(step.resources)))
        offset += length
    if not steps:
        raise ValidationError(
            "staffmember.duration_overrides", f"{service.id}: every step has zero minutes"
        )
    return Shape(service.id, tuple(steps), service.buffer_before, service.buffer_after)


__all__ = ["Requirement", "Shape", "Span", "StepShape", "shape_of"]
