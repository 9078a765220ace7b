#!/usr/bin/python3
"""Where each resource is, from `crm_mon --output-as=xml` on stdin: one line
"RESOURCE NODE" or "RESOURCE Stopped", in id order.  The same for every
Pacemaker release, unlike crm_simulate's text (2.1 and 3.0 word it apart)."""
import sys
import xml.etree.ElementTree as ET

root = ET.parse(sys.stdin).getroot()
lines = []
for r in root.iter("resource"):
    nodes = [n.get("name") for n in r.findall("node")]
    active = r.get("active") == "true" and r.get("role") == "Started"
    lines.append("%s %s" % (r.get("id"), " ".join(sorted(nodes)) if active and nodes else "Stopped"))
print("\n".join(sorted(lines)))
