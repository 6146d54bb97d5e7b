"""The offline demo news network: fictional Arabic news sites served on loopback.

Used by tests, benchmarks and ``bawaba demo-sites``; ``RunningNetwork.manifest()`` holds the gold
data (texts, categories, stories) every served page is checked against.
"""

from bawaba.demo.network import RunningNetwork, start_network

__all__ = ["RunningNetwork", "start_network"]
