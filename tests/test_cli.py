import subprocess
import sys

import partnerfit


def test_version_flag_prints_package_version():
    out = subprocess.run(
        [sys.executable, "-m", "partnerfit.cli", "--version"], capture_output=True, text=True,
        check=False,
    )
    assert out.returncode == 0
    assert out.stdout.strip() == f"partnerfit {partnerfit.__version__}"
