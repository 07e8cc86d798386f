"""Real servers on 127.0.0.1 for the end-to-end tests of the hub's outbound
HTTPS and SMTP: testca (certificates), https (HTTPSServer), smtp (SMTPServer)."""
