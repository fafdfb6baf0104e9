from trip_saga.entrypoint import handler_for

reserve = handler_for("ReserveHotel")
confirm = handler_for("ConfirmHotel")
cancel = handler_for("CancelHotel")
cancel_booking = handler_for("CancelHotelBooking")
