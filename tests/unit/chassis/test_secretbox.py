"""Secrets kept encrypted at rest (services/chassis/secretbox.py): sealed, opened, rotated."""
import pytest
from cryptography.fernet import Fernet

from services.chassis.secretbox import SecretBox, SecretsKeyMissing


def test_a_sealed_value_opens_with_its_key_and_after_a_rotation():
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed = SecretBox(old).seal("JBSWY3DPEHPK3PXP")
    assert sealed.startswith("enc:") and "JBSWY3DPEHPK3PXP" not in sealed
    assert SecretBox(old).open(sealed) == "JBSWY3DPEHPK3PXP"
    assert SecretBox(f"{new},{old}").open(sealed) == "JBSWY3DPEHPK3PXP"       # a new key first: the old still reads
    assert SecretBox(f"{new},{old}").seal(sealed) == sealed                     # never sealed twice


def test_without_a_key_values_stay_as_they_are_and_a_sealed_one_is_an_error():
    assert SecretBox(None).seal("plain") == "plain" and SecretBox("").open("plain") == "plain"
    sealed = SecretBox(Fernet.generate_key().decode()).seal("x")
    with pytest.raises(SecretsKeyMissing):
        SecretBox(None).open(sealed)
    with pytest.raises(SecretsKeyMissing):
        SecretBox(Fernet.generate_key().decode()).open(sealed)                # the wrong key
