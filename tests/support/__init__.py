"""What the tests share: desks that drive the service, people and browsers, clocks, servers, mail."""
