"""Passphrase secrets, against values Pulumi's own CLI algorithm produced (its test suite's stack file)."""
import pytest

from preflight.check.secrets import DecryptError, PassphraseCrypter, new_encryption_salt
from preflight.errors import UsageError

# pulumi/pulumi tests/roundtrip/roundtrip_test.go: passphrase, encryptionsalt and a `secure:` value.
PASSPHRASE = "TestConfigRoundtripComments"
SALT = "v1:ThS5UPxP9qc=:v1:UZYAXF+ylaJ0rGhv:9OTvBnOEDFgxs7btjzSu+LZ470vLpg=="
VALUE = "v1:T1ftqhY0hqr+EJK6:+jvd5PMecFx80tcavzuZY4tLatgIfoe/xR72GA=="


def test_decrypts_a_value_the_cli_wrote():
    assert PassphraseCrypter.from_state(PASSPHRASE, SALT, "Pulumi.test.yaml").decrypt(VALUE) == "secret-value"


@pytest.mark.parametrize("phrase", ["", "testconfigroundtripcomments", PASSPHRASE + " "])
def test_wrong_passphrase_is_a_usage_error(phrase):
    with pytest.raises(UsageError, match="incorrect passphrase"):
        PassphraseCrypter.from_state(phrase, SALT, "Pulumi.test.yaml")


@pytest.mark.parametrize("state", ["v2:ThS5UPxP9qc=:v1:x:y", "ThS5UPxP9qc=", "v1:not base64!:v1:a:b"])
def test_malformed_salt_is_a_usage_error(state):
    with pytest.raises(UsageError):
        PassphraseCrypter.from_state(PASSPHRASE, state, "Pulumi.test.yaml")


@pytest.mark.parametrize("value,reason", [
    ("v1:T1ftqhY0hqr+EJK6", "bad value"),
    ("v2:T1ftqhY0hqr+EJK6:+jvd5PMecFx80tcavzuZY4tLatgIfoe/xR72GA==", "unknown value version"),
    ("v1:AAAA:+jvd5PMecFx80tcavzuZY4tLatgIfoe/xR72GA==", "nonce size is incorrect"),
    ("v1:T1ftqhY0hqr+EJK6:/jvd5PMecFx80tcavzuZY4tLatgIfoe/xR72GA==", "authentication"),
])
def test_malformed_values(value, reason):
    crypter = PassphraseCrypter.from_state(PASSPHRASE, SALT, "Pulumi.test.yaml")
    with pytest.raises(DecryptError, match=reason):
        crypter.decrypt(value)


def test_a_new_salt_round_trips_and_rejects_other_passphrases():
    salt = new_encryption_salt("correct horse battery staple")
    crypter = PassphraseCrypter.from_state("correct horse battery staple", salt, "Pulumi.x.yaml")
    assert crypter.decrypt(crypter.encrypt("ünïcode ✓")) == "ünïcode ✓"
    with pytest.raises(UsageError):
        PassphraseCrypter.from_state("correct horse battery", salt, "Pulumi.x.yaml")
