"""The processes of one month (ODD §3), one module each, in the order the model runs them.

=====  ==========================  =====================================================
step   module                      what happens
=====  ==========================  =====================================================
1      :mod:`.bookkeeping`         month + 1; this month's ring slots and markers cleared
2      :mod:`.funding`             public funding: pool allocation, grants, vouchers
3      :mod:`.budgets`             membership fees, EU projects, wages, service fees
4      :mod:`.opportunities`       partner needs close and open
5      :mod:`.services`            facilitators: survey, visits, events (contacts)
6      :mod:`.search`              firms: own search, referrals, follow-ups, revisits
7      :mod:`.contacts`            contacts update trust; ties kept up; the rest decays
8      :mod:`.coopetition`         peers meet, cooperate or defect, share experience
9-10   :mod:`.ties`                export ties form; ties earn, teach and break
11     :mod:`.membership`          satisfaction, facilitator trust, leaving, joining
12     :mod:`.development`         organisations age and develop; faded relations forgotten
13     :mod:`.observation`         indicators (KPIs)
=====  ==========================  =====================================================

Each function takes the :class:`~clustersim.world.World` (the model) and changes its arrays;
the rules themselves are the pure functions of :mod:`clustersim.mechanisms`.
"""
