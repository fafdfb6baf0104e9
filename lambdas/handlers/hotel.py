from trip_saga.entrypoint import handler_for

reserve = handler_for("ReserveHotel")
cancel = handler_for("CancelHotel")
