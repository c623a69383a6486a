"""The multi-worker suite's figures, kept in tests/output/multiworker.json, one entry per case."""

import json
import os
from pathlib import Path

OUTPUT = Path(__file__).resolve().parent.parent / 'output' / 'multiworker.json'


def record(case, figures):
    OUTPUT.parent.mkdir(exist_ok=True)
    data = json.loads(OUTPUT.read_text()) if OUTPUT.exists() else {}
    mode = 'quick' if os.environ.get('INVOICECLOUD_QUICK') == '1' else 'full'
    data[case] = {'mode': mode, **figures}
    OUTPUT.write_text(json.dumps(data, indent=2, default=str))
    print(f'\n{case}: {figures}')
