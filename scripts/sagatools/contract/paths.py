from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LAMBDAS = ROOT / "lambdas"
CATALOG = LAMBDAS / "functions.json"
ASL_TEMPLATE = ROOT / "statemachine" / "booking_saga.asl.json.tftpl"
CANCELLATION_TEMPLATE = ROOT / "statemachine" / "cancellation.asl.json.tftpl"
RECONCILIATION_TEMPLATE = ROOT / "statemachine" / "reconciliation.asl.json.tftpl"
# Each state machine's template, by the catalog's workflow name.
TEMPLATES = {"booking": ASL_TEMPLATE, "cancellation": CANCELLATION_TEMPLATE, "reconciliation": RECONCILIATION_TEMPLATE}
