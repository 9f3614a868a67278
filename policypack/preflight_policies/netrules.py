"""Security group ingress, whatever resource carries it, and whether its CIDRs cover the internet.

Shapes: aws.ec2.SecurityGroup (inline `ingress`), aws.ec2.SecurityGroupRule (type 'ingress'),
aws.vpc.SecurityGroupIngressRule (one cidr_ipv4 / cidr_ipv6). "Open to the internet" is not only
0.0.0.0/0 or ::/0: rules with the same ports whose CIDRs together cover all of IPv4 or IPv6
(0.0.0.0/1 + 128.0.0.0/1, ...) are open as well. Unknown CIDRs are never treated as open.
"""
from __future__ import annotations

import ipaddress
from typing import Any, Dict, List, Tuple

from .resource import Resource, is_unknown

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
VPC_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"

WORLD_CIDRS = ("0.0.0.0/0", "::/0")
_ALL_V4 = ipaddress.ip_network("0.0.0.0/0")
_ALL_V6 = ipaddress.ip_network("::/0")


def _as_list(value: Any) -> List[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _networks(cidrs: List[Any]) -> list:
    out = []
    for c in cidrs:
        if isinstance(c, str) and not is_unknown(c):
            try:
                out.append(ipaddress.ip_network(c.strip(), strict=False))
            except ValueError:
                continue
    return out


def covers_internet(cidrs: List[Any]) -> str:
    """'IPv4' / 'IPv6' / 'IPv4 and IPv6' when the CIDRs together cover the whole address space, else ''."""
    nets = _networks(cidrs)
    found = []
    for family, everything in ((4, _ALL_V4), (6, _ALL_V6)):
        mine = [n for n in nets if n.version == family]
        if mine and everything in ipaddress.collapse_addresses(mine):
            found.append(f"IPv{family}")
    return " and ".join(found)


def ingress_rules(r: Resource) -> List[Tuple[Any, Any, Any, List[Any]]]:
    """(from_port, to_port, protocol, cidrs) of every ingress rule `r` carries."""
    rules = []
    if r.type == SECURITY_GROUP:
        for rule in _as_list(r.peek("ingress")):
            if isinstance(rule, dict):
                rules.append((rule.get("fromPort"), rule.get("toPort"), rule.get("protocol"),
                              _as_list(rule.get("cidrBlocks")) + _as_list(rule.get("ipv6CidrBlocks"))))
    elif r.type == SECURITY_GROUP_RULE:
        if r.peek("type") == "ingress":
            rules.append((r.peek("fromPort"), r.peek("toPort"), r.peek("protocol"),
                          _as_list(r.peek("cidrBlocks")) + _as_list(r.peek("ipv6CidrBlocks"))))
    elif r.type == VPC_INGRESS_RULE:
        rules.append((r.peek("fromPort"), r.peek("toPort"), r.peek("ipProtocol"),
                      [r.peek("cidrIpv4"), r.peek("cidrIpv6")]))
    return rules


def world_open_ingress(r: Resource) -> List[tuple]:
    """(from_port, to_port, protocol) of the ingress of `r` open to the whole internet.

    Rules with the same ports and protocol are taken together: their CIDRs may cover the internet
    between them.
    """
    groups: Dict[tuple, List[Any]] = {}
    for from_port, to_port, protocol, cidrs in ingress_rules(r):
        if is_unknown(protocol) or is_unknown(from_port) or is_unknown(to_port):
            continue
        if not all(v is None or isinstance(v, (int, float, str)) for v in (from_port, to_port, protocol)):
            continue  # a list or object where a port or protocol goes: no rule AWS would accept
        groups.setdefault((from_port, to_port, protocol), []).extend(cidrs)
    return [key for key, cidrs in groups.items() if covers_internet(cidrs)]


def all_traffic(protocol: Any) -> bool:
    return str(protocol).lower() in ("-1", "all")


def _port_protocol(protocol: Any) -> str:
    p = str(protocol).lower()
    return {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}.get(p, p)


def ingress_covers(rule: tuple, port: int, protocol: str = "tcp") -> bool:
    """Does a world-open (from, to, protocol) ingress rule expose `port` over `protocol`?"""
    from_port, to_port, proto = rule
    if all_traffic(proto):
        return True
    if _port_protocol(proto) != protocol:
        return False
    if not isinstance(from_port, int) or not isinstance(to_port, int):
        return False
    return from_port <= port <= to_port


def exposed_ports(rule: tuple, allowed: Tuple[int, ...] = ()) -> str:
    """A readable description of what a world-open rule exposes beyond the `allowed` TCP/UDP ports, '' if nothing."""
    from_port, to_port, proto = rule
    if all_traffic(proto):
        return "every port and protocol"
    p = _port_protocol(proto)
    if p not in ("tcp", "udp"):
        return ""  # ICMP and other port-less protocols: reachability, not a service
    if not isinstance(from_port, int) or not isinstance(to_port, int):
        return ""
    if from_port <= 0 and to_port >= 65535:
        return f"every {p.upper()} port"
    if from_port == to_port:
        return "" if from_port in allowed else f"{p.upper()} port {from_port}"
    if all(port in allowed for port in range(from_port, to_port + 1)):
        return ""
    return f"{p.upper()} ports {from_port}-{to_port}"
