UNIT_TESTS += sched_policy
sched_policy_SRCS := core/sched_policy.c tests/unit/test_sched_policy.c
sched_policy_LIBS :=
