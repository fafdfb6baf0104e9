from trip_saga.entrypoint import handler_for

process = handler_for("ProcessPayment")
confirm = handler_for("ConfirmPayment")
refund = handler_for("RefundPayment")
refund_charge = handler_for("RefundCharge")
