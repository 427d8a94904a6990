"""The Kafka settings that the no-loss, no-double guarantees rest on (RELIABILITY EV-3, EV-5).
librdkafka's defaults are the unsafe ones: these fail if someone goes back to them."""
from services.chassis.config import Config
from services.chassis.consumer import consumer_config
from services.chassis.kafka import producer_config

CONFIG = Config(service="billing", database_url="sqlite://")


def test_the_producer_is_idempotent_and_waits_for_all_replicas():
    conf = producer_config(CONFIG)
    assert conf["enable.idempotence"] is True
    assert conf["acks"] == "all"
    # 0 = never give up: a message is not failed out of order while the broker is away
    assert conf["message.timeout.ms"] == 0


def test_the_consumer_stores_offsets_only_after_our_code_ran():
    conf = consumer_config(CONFIG)
    assert conf["enable.auto.offset.store"] is False
    assert conf["group.id"] == "portal.billing"
    assert conf["auto.offset.reset"] == "earliest"


def test_topics_are_named_by_service_and_major_version():
    assert CONFIG.topic == "portal.billing.v1"
