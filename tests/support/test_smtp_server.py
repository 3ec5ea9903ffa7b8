import time

from django.core.mail import EmailMessage, get_connection

from tests.support.smtp_server import SmtpServer


def test_the_smtp_server_counts_each_message_id_and_waits_for_distinct_ones(smtp_server):
    mail = get_connection(
        "django.core.mail.backends.smtp.EmailBackend",
        host="127.0.0.1",
        port=smtp_server.port,
        timeout=5,
    )
    for message_id in ("<a@test>", "<b@test>", "<a@test>"):
        EmailMessage(
            "货到付款",
            "body",
            to=["buyer@example.cn"],
            headers={"Message-ID": message_id},
            connection=mail,
        ).send()

    assert smtp_server.wait_for(2, timeout=5) is True
    assert smtp_server.deliveries() == {"<a@test>": 2, "<b@test>": 1}
    assert smtp_server.duplicates() == {"<a@test>": 2}
    assert [m.recipients for m in smtp_server.messages] == [("buyer@example.cn",)] * 3
    assert smtp_server.messages[0].subject == "货到付款"
    assert smtp_server.wait_for(3, timeout=0.2) is False


def test_a_slow_smtp_server_makes_the_client_wait():
    with SmtpServer(delay=0.3) as server:
        mail = get_connection(
            "django.core.mail.backends.smtp.EmailBackend",
            host="127.0.0.1",
            port=server.port,
            timeout=5,
        )
        started = time.monotonic()
        EmailMessage("s", "b", to=["x@example.cn"], connection=mail).send()
        assert time.monotonic() - started >= 0.3
        assert server.distinct() == 1
