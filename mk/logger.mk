# cull-logger: link only the libraries it uses (it never calls libcurl).
# `cull-logger http` is exec'd once per connection by socat, so loading
# libcurl's dependencies would cost every request a few milliseconds.
$(BIN)/cull-logger: LDFLAGS += -Wl,--as-needed

# Its unit tests include the stage's own headers.
$(BUILD)/tests/unit/logger-%.o: CPPFLAGS += -Istages/logger

# The dashboard's files go into the binary by .incbin (stages/logger/web.c):
# the object is rebuilt when one of them changes.
WEB_FILES = stages/logger/dashboard.html stages/logger/dashboard.js stages/logger/dashboard.css
$(BUILD)/stages/logger/web.o: $(WEB_FILES)
