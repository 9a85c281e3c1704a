package planner

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestCreateShowsProperties: a reviewer of a plan that creates a task
// definition sees its image and CPU, its secrets as references, and never
// a sensitive value, in text and in markdown.
func TestCreateShowsProperties(t *testing.T) {
	env := testEnvironment(1)
	p, err := Diff(compileEnv(t, env, nil), nil, envScope(env), Options{Provider: "sandbox"})
	if err != nil {
		t.Fatal(err)
	}
	if c := changeOf(t, p, "service/api/task-definition"); c.Action != Create {
		t.Fatalf("task definition: %s, want create", c.Action)
	}
	var text, md bytes.Buffer
	if err := RenderText(&text, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := RenderMarkdown(&md, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"text": text.String(), "markdown": md.String()} {
		if strings.Contains(out, testSecret) {
			t.Errorf("%s: the sensitive value leaked", name)
		}
		if strings.Contains(out, "[!NOTE]") {
			t.Errorf("%s: a one-service plan was shortened", name)
		}
		// The task definition's own block, up to the next change.
		start := strings.Index(out, "service/api/task-definition")
		if start < 0 {
			t.Fatalf("%s: no task definition", name)
		}
		block := out[start:]
		if next := strings.Index(block[1:], "\n  + "); name == "text" && next > 0 {
			block = block[:next+1]
		}
		if next := strings.Index(block[1:], "\n- "); name == "markdown" && next > 0 {
			block = block[:next+1]
		}
		for _, want := range []string{
			`Image: "222222222222.dkr.ecr.eu-west-1.amazonaws.com/api:1.7.3"`,
			`Cpu: "512"`,
			`Memory: "1024"`,
			`{Name: "API_TOKEN", Value: (sensitive)}`,
			`ValueFrom: "arn:aws:ssm:eu-west-1:222222222222:parameter/shop/api/database-url"`,
			`ExecutionRoleArn: ${service/api/execution-role.Arn}`,
		} {
			if !strings.Contains(block, want) {
				t.Errorf("%s: the task definition lacks %s:\n%s", name, want, block)
			}
		}
	}
	if !strings.Contains(md.String(), "<details><summary>properties</summary>\n\n  ```yaml\n") {
		t.Errorf("markdown: no collapsed properties block")
	}
}

// TestMarkdownDropsCreatePropertiesFirst: when the full plan does not fit,
// the first thing left out is the properties of new resources; the diffs
// of existing resources stay, and the comment says what it left out.
func TestMarkdownDropsCreatePropertiesFirst(t *testing.T) {
	p := changedPlan(t)
	var full bytes.Buffer
	if err := RenderMarkdown(&full, p, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(full.String(), "```yaml") || strings.Contains(full.String(), "[!NOTE]") {
		t.Fatal("the full plan lacks the properties of new resources, or was shortened")
	}
	limit := utf8.RuneCountInString(full.String()) - 1
	var short bytes.Buffer
	if err := RenderMarkdown(&short, p, RenderOptions{MaxMarkdown: limit}); err != nil {
		t.Fatal(err)
	}
	md := short.String()
	if n := utf8.RuneCountInString(md); n > limit {
		t.Fatalf("%d characters, over %d", n, limit)
	}
	for _, want := range []string{
		"the properties of new resources are left out",
		"@@ HealthCheckIntervalSeconds @@",                                   // an update's diff
		"@@ Port (forces replacement) @@",                                    // a replacement's diff
		"- 🟢 **`service/web001/task-definition`** — task definition, create", // the create, on its line
	} {
		if !strings.Contains(md, want) {
			t.Errorf("shortened markdown lacks %q", want)
		}
	}
	if strings.Contains(md, "```yaml") || strings.Contains(md, "<summary>properties") {
		t.Error("shortened markdown still holds properties of new resources")
	}
}

// TestPropertyLines pins the shapes: short collections on one line, long
// ones as blocks, list elements headed by their name, strings quoted and
// references bare, documents as JSON, multi-line strings as literal
// blocks, user data decoded, forcing properties marked.
func TestPropertyLines(t *testing.T) {
	props := map[string]any{
		"Cpu":  "256",
		"Port": 8080.0,
		"Containers": []any{map[string]any{
			"Image": "222222222222.dkr.ecr.eu-west-1.amazonaws.com/web:1.0.0", "Name": "web",
			"Environment": []any{map[string]any{"Name": "A", "Value": bare(Masked)}},
		}},
		"Groups":              []any{bare("${service/web/security-group.GroupId}")},
		"PolicyDocument":      map[string]any{"Version": "2012-10-17"},
		"Description":         "two\nlines\n",
		"LaunchTemplateData":  map[string]any{"UserData": "IyEvYmluL3NoCmVjaG8gaGkK"}, // "#!/bin/sh\necho hi\n"
		"LifecyclePolicyText": `{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":50},"action":{"type":"expire"}}]}`,
		"Options":             map[string]any{"awslogs-group": "/ecs/x", "with space": true},
	}
	got := strings.Join(propertyLines(props, []string{"Port"}), "\n")
	want := `Containers:
  - Name: "web"
    Environment: [{Name: "A", Value: (sensitive)}]
    Image: "222222222222.dkr.ecr.eu-west-1.amazonaws.com/web:1.0.0"
Cpu: "256"
Description: |
  two
  lines
Groups:
  - ${service/web/security-group.GroupId}
LaunchTemplateData:
  UserData: |  # base64-decoded
    #!/bin/sh
    echo hi
LifecyclePolicyText: |
  {
    "rules": [
      {
        "action": {
          "type": "expire"
        },
        "rulePriority": 1,
        "selection": {
          "countNumber": 50,
          "countType": "imageCountMoreThan",
          "tagStatus": "any"
        }
      }
    ]
  }
Options: {awslogs-group: "/ecs/x", "with space": true}
PolicyDocument:
  {
    "Version": "2012-10-17"
  }
Port: 8080  # forces replacement`
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}
