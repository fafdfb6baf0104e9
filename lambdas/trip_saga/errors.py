"""Named errors. Lambda reports an exception's class name as `errorType`, and Step Functions matches
Catch and Retry on it, so these class names are part of the state machine's contract."""

from __future__ import annotations

from collections.abc import Sequence


class SagaError(Exception):
    """Base class of every error a saga step raises on purpose."""


class InvalidBookingRequest(SagaError):
    """The request does not match the booking schema. Raised before anything is written. `fields`: each
    offending field with its message, as the message lists them (`flight.origin: ...; hotel.rooms: ...`)."""

    def __init__(self, message: str, fields: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        field, _, problem = message.partition(": ")
        self.fields = tuple(fields) or ((field, problem) if problem else ("(root)", message),)


class BookingConflict(SagaError):
    """The booking id already holds a reservation made from different request details."""


class BookingAlreadyCompensated(SagaError):
    """The booking was cancelled or refunded (possibly as a tombstone) before this reserve landed."""


class InjectedFault(SagaError):
    """Base class of the business failures raised by fault injection (see trip_saga.faults)."""


class FlightReservationFailed(InjectedFault):
    pass


class HotelReservationFailed(InjectedFault):
    pass


class PaymentDeclined(InjectedFault):
    pass


class FlightCancellationFailed(InjectedFault):
    pass


class HotelCancellationFailed(InjectedFault):
    pass


class RefundFailed(InjectedFault):
    pass


class PaymentConfirmationFailed(InjectedFault):
    pass


class FlightConfirmationFailed(InjectedFault):
    pass


class HotelConfirmationFailed(InjectedFault):
    pass


class HotelBookingCancellationFailed(InjectedFault):
    pass


class FlightBookingCancellationFailed(InjectedFault):
    pass


class ChargeRefundFailed(InjectedFault):
    pass


class ConfirmationRefused(SagaError):
    """The item to confirm is not this execution's PENDING one (closed, or never written): a confirmation
    cannot succeed by retrying, so the execution fails there and reconciliation decides."""


class BookingNotCancellable(SagaError):
    """A cancellation found the booking not confirmed (still pending, rolled back or never booked) or not
    this customer's: nothing was changed."""


class CompensationFailed(SagaError):
    """A compensation (or a cancellation step) failed on its last attempt, after the alert: the execution
    fails at this state, which RedriveExecution resumes once the cause is fixed."""


class DependencyUnavailable(SagaError):
    """A dependency failed in a way a retry may fix. The state machine retries it (forward steps a few
    times, compensations for minutes); fault injection raises it for `transient:N` and `permanent`."""


class SoldOut(SagaError):
    """Not enough seats or rooms left for this booking."""


class InventoryNotFound(SagaError):
    """The flight or hotel night is not on sale (no inventory item)."""
