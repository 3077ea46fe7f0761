"""ITscope's code tables, one each, with English labels (the Odoo layer translates them).

Sources: availability codes (guide: availability-status-codes), condition codes (support article 206033212), deal
statuses (ITscope's order status overview, ``shared/seeds/002_*``).
"""

AVAILABILITY = {
    1: "In stock",
    2: "In transit",
    3: "At pre-supplier",
    4: "Order-related",
    6: "Not available",
    8: "Unknown",
}

# Availability codes from best to worst: own stock, then the pre-supplier's stock, then goods on their way, then
# ordered on demand; unknown before not available.
AVAILABILITY_RANK = {1: 0, 3: 1, 2: 2, 4: 3, 8: 4, 6: 5}

CONDITION = {
    1: "New",
    2: "Used",
    3: "B-stock",
    4: "Refurbished",
    5: "RMA / returns",
    6: "Demo",
    7: "Build to order",
    8: "ESD",
    9: "Not for resale (NFR)",
    10: "Bulk",
    11: "Factory refurbished",
    12: "Spare part from new device",
}

# API status -> platform label, in the order of ITscope's overview.
DEAL_STATUS = {
    "PREPARING": "Suggestion",
    "PAYMENT_AWAITING": "Payment awaiting",
    "PAYMENT_SUCCESSFUL": "Payment successful",
    "TRANSMITTING": "Is currently being sent",
    "SENT": "Sent out",
    "ARRIVED": "Arrived",
    "ARRIVED_WARNING": "Arrived with warning",
    "PARTIALLY_PROCESSING": "Order partially confirmed",
    "PROCESSING": "Order confirmed",
    "PARTIALLY_ADVISED": "Partially in shipment",
    "ADVISED": "In shipment",
    "PARTIALLY_INVOICED": "Partially invoiced",
    "INVOICED": "Invoiced",
    "CANCELED": "Cancelled",
    "REJECTED": "Rejected",
    "BLOCKED": "Blocked",
    "BLOCKED_BYLIMIT": "Blocked due to exceeding a limit",
    "ERROR": "Error",
    "ORDERED_ELSEWHERE": "Ordered elsewhere",
}

# Statuses after which the buyer has to act (an activity is raised for them).
DEAL_STATUS_NEEDS_BUYER = frozenset(
    {"ERROR", "REJECTED", "CANCELED", "BLOCKED", "BLOCKED_BYLIMIT", "ARRIVED_WARNING", "PARTIALLY_PROCESSING"}
)

# Words ITscope's load balancer treats as a robot's User-Agent (10-20 s delays or blocks).
USER_AGENT_FORBIDDEN_WORDS = ("bot", "spider", "crawler", "search", "seek", "retriever", "checker", "agent")
