from trip_saga.entrypoint import handler_for

reserve = handler_for("ReserveFlight")
cancel = handler_for("CancelFlight")
