"""Mesa agents: the units a reader sees. Their state lives in the model's arrays (see
:mod:`clustersim.state`); each agent reads and acts on its own row."""

from clustersim.agents.facilitator import Facilitator
from clustersim.agents.firm import Firm
from clustersim.agents.partner import ForeignPartner

__all__ = ["Facilitator", "Firm", "ForeignPartner"]
