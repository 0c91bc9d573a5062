# mk/jstrict.mk - tests/unit/lib-jstrict.c judges records as cull-logger
# does (rec_check), so it sees and links the logger's record.c.
$(BUILD)/tests/unit/lib-jstrict.o: CPPFLAGS += -Istages/logger
$(BUILD)/t/lib-jstrict.t: $(BUILD)/stages/logger/record.o
