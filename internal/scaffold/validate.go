package scaffold

import (
	"fmt"
	"os"
	"strings"

	"github.com/gantry-gitops/gantry/compiler"
)

// Validate checks rendered project files with the compiler, in a
// temporary directory, before they are written where the user asked: a
// combination of flags the format refuses is reported, and nothing is
// written.
func Validate(files []File) error {
	tmp, err := os.MkdirTemp("", "gantry-init-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := Write(tmp, files); err != nil {
		return err
	}
	_, diags, err := compiler.Load(tmp)
	if err != nil {
		return err
	}
	errs := diags.Errors()
	if len(errs) == 0 {
		return nil
	}
	var msgs []string
	for _, d := range errs {
		msgs = append(msgs, d.Path+": "+d.Message)
	}
	return fmt.Errorf("the new configuration would not validate: %s", strings.Join(msgs, "; "))
}
