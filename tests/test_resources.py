"""Resources are found from the source tree, and the wheel carries them."""

import subprocess
import sys
import zipfile

import pytest

from bpdesk.paths import resource_path, resources_dir


def test_resources_are_found():
    assert resources_dir().is_dir()
    assert resource_path("icons", "bpdesk.svg").is_file()
    assert resource_path("bpdesk.desktop").read_text().startswith("[Desktop Entry]")
    # The digits' data and, beside them, their attribution and licence (CC BY 4.0).
    assert resource_path("datasets", "digits.npz").is_file()
    assert resource_path("datasets", "digits-LICENSE.txt").is_file()


@pytest.mark.slow
def test_the_wheel_ships_resources_inside_the_package(tmp_path):
    root = resources_dir().parent
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(root)],
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("bpdesk-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "bpdesk/resources/icons/bpdesk.svg" in names
    assert "bpdesk/resources/bpdesk.desktop" in names
    assert "bpdesk/resources/datasets/digits.npz" in names
    assert "bpdesk/resources/datasets/digits-LICENSE.txt" in names
    assert "bpdesk/core/network.py" in names
    assert not any(n.startswith("tests/") for n in names)


def test_the_desktop_entrys_file_type_is_defined():
    import xml.etree.ElementTree as ET

    entry = resource_path("bpdesk.desktop").read_text()
    (mime,) = [
        line.split("=", 1)[1].rstrip(";") for line in entry.splitlines() if "MimeType" in line
    ]
    root = ET.parse(resource_path("bpdesk-mime.xml")).getroot()
    ns = {"m": "http://www.freedesktop.org/standards/shared-mime-info"}
    (kind,) = root.findall("m:mime-type", ns)
    assert kind.get("type") == mime
    assert kind.find("m:glob", ns).get("pattern") == "*.bpnet"
