from trip_saga.entrypoint import handler_for

reserve = handler_for("ReserveFlight")
confirm = handler_for("ConfirmFlight")
cancel = handler_for("CancelFlight")
cancel_booking = handler_for("CancelFlightBooking")
