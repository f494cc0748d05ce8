# SPDX-License-Identifier: GPL-2.0
# Included after a kselftest Makefile: prints the programs it builds.
print-progs:
	@echo $(TEST_GEN_PROGS)
