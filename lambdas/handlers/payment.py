from trip_saga.entrypoint import handler_for

process = handler_for("ProcessPayment")
refund = handler_for("RefundPayment")
