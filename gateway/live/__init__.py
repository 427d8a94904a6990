"""The live channel: one small asyncio process (aiohttp) that holds every open page's
Server-Sent Events stream and pushes the services' events to the pages they concern.

Why a process of its own: a stream that waits holds nothing but a few kilobytes here,
where in the Flask gateway it held a request thread (and support a thread polling the
database). The Flask gateway keeps every access decision: a page it serves carries a
short-lived grant (grants.py) naming the org, the person, their side and the topics they
may follow. This process only checks the grant, caps the streams one person may hold,
and filters what each side may see (events.py). It is fed by the services' Kafka topics
(feed.py: one consumer per process in a thread, its own group, from the latest offset)
and fans out in memory (hub.py). It imports no service and no Flask code.

Topics (what a grant lists, what an event is routed by), always within the grant's org:
    ticket:<ticket_id>      messages, read marks ("seen"), status of a ticket
    payment:<payment_id>    a payment's status (billing's payment events)
    delivery:<shipment_id>  delivery status (to come: orders' events)
"""
