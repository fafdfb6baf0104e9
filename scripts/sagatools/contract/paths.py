from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
LAMBDAS = ROOT / "lambdas"
CATALOG = LAMBDAS / "functions.json"
ASL_TEMPLATE = ROOT / "statemachine" / "booking_saga.asl.json.tftpl"
