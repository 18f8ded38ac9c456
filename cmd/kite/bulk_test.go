package main

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/konflux-ci/kite"
)

// missingID is the id of no issue.
const missingID = "01900000-0000-7000-8000-000000000000"

func TestBulkCommandsTryEveryID(t *testing.T) {
	c := newCLI(t)
	a := c.create("team-a", "Registry unreachable", "component/a")
	b := c.create("team-a", "Unit tests fail", "component/b")

	code, out, errs := c.run("issues", "resolve", a.ID, missingID, b.ID, "-o", "name")
	assert.Equal(t, exitNotFound, code, "every failure was an issue not found")
	assert.Equal(t, a.ID+"\n"+b.ID+"\n", out, "the ids after the missing one are resolved too")
	assert.Contains(t, errs, "resolve "+missingID+": Issue not found")
	assert.Contains(t, errs, "resolve: 1 of 3 failed")
	assert.NotContains(t, errs, a.ID)
	assert.Contains(t, c.ok("issues", "get", b.ID), "RESOLVED")

	code, out, errs = c.run("issues", "reopen", missingID, a.ID)
	assert.Equal(t, exitNotFound, code)
	assert.Contains(t, out, a.ID)
	assert.Contains(t, out, "REGRESSED")
	assert.Contains(t, errs, "reopen "+missingID)

	code, out, errs = c.run("issues", "delete", a.ID, missingID, b.ID)
	assert.Equal(t, exitNotFound, code)
	assert.Equal(t, a.ID+" deleted\n"+b.ID+" deleted\n", out, "what was done goes to stdout")
	assert.Contains(t, errs, "delete "+missingID)
}

func TestBulkCommandsFailWhenTheServerDoesNot(t *testing.T) {
	c := newCLI(t)
	c.env["KITE_SERVER"] = "http://127.0.0.1:1" // nothing listens there
	code, out, errs := c.run("issues", "resolve", "first", "second")
	assert.Equal(t, exitError, code, errs)
	assert.Empty(t, out)
	assert.Contains(t, errs, "resolve first: ")
	assert.Contains(t, errs, "resolve second: ", "tried after the first failed")
	assert.Contains(t, errs, "resolve: 2 of 2 failed")
}

func TestBulkExitCode(t *testing.T) {
	notFound := fmt.Errorf("get: %w", &kite.Error{Code: kite.ENOTFOUND, Message: "Issue not found"})
	unavailable := &kite.Error{Code: kite.EUNAVAILABLE, Message: "Kite did not answer"}
	forbidden := &kite.Error{Code: kite.EFORBIDDEN, Message: "Access denied to this issue"}
	for _, tc := range []struct {
		failed []error
		want   int
	}{
		{[]error{notFound}, exitNotFound},
		{[]error{notFound, notFound}, exitNotFound},
		{[]error{notFound, unavailable}, exitError},
		{[]error{errors.New("boom"), notFound}, exitError},
		{[]error{forbidden}, exitDenied},
		{[]error{notFound, forbidden}, exitDenied},
		{[]error{forbidden, unavailable}, exitError},
	} {
		err := fmt.Errorf("wrapped: %w", &bulkError{op: "resolve", total: 3, failed: tc.failed})
		assert.Equal(t, tc.want, exitCode(err), "%v", tc.failed)
	}
}
