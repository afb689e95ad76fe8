"""claimwatch: monitor the news for misleading claims about Vietnam's people-to-people and foreign
relations, and help a human desk answer them with evidence."""

__version__ = "0.1.0"
