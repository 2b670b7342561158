package main

import (
	"context"
	"crypto/x509/pkix"
	"errors"
	"strings"
	"testing"

	commandpb "go.temporal.io/api/command/v1"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	schedulepb "go.temporal.io/api/schedule/v1"
	"go.temporal.io/api/serviceerror"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/server/api/adminservice/v1"
	"go.temporal.io/server/common/authorization"
	"google.golang.org/grpc"
)

const ns = "default"

var allRoles = []Role{RoleSystem, RoleAdmin, RoleWorker, RoleAgent, RoleOperator, RoleBreakGlass, RoleViewer}

func subject(ou, cn string) *pkix.Name {
	return &pkix.Name{Organization: []string{Organization}, OrganizationalUnit: []string{ou}, CommonName: cn}
}

func claimsOf(t *testing.T, s *pkix.Name) *authorization.Claims {
	t.Helper()
	c, err := CertClaimMapper{}.GetClaims(&authorization.AuthInfo{TLSSubject: s})
	if err != nil {
		t.Fatalf("GetClaims(%v): %v", s, err)
	}
	return c
}

func roleClaims(t *testing.T, role Role) *authorization.Claims {
	return claimsOf(t, subject(string(role), string(role)))
}

// decide returns "" when allowed, else the reason.
func decide(t *testing.T, claims *authorization.Claims, api, namespace string, req any) string {
	t.Helper()
	a := NewRoleAuthorizer([]string{ns}, nil)
	res, err := a.Authorize(context.Background(), claims, &authorization.CallTarget{APIName: api, Namespace: namespace, Request: req})
	switch res.Decision {
	case authorization.DecisionAllow:
		if err != nil {
			t.Fatalf("%s: allowed with an error: %v", api, err)
		}
		return ""
	case authorization.DecisionDeny:
		// The caller sees the error (frontend.exposeAuthorizerErrors): PermissionDenied, the reason in
		// its message and its Reason.
		var denied *serviceerror.PermissionDenied
		if !errors.As(err, &denied) {
			t.Fatalf("%s: denied with error %T %v, want PermissionDenied", api, err, err)
		}
		if res.Reason == "" || denied.Reason != res.Reason || denied.Message != "Request unauthorized. "+res.Reason {
			t.Fatalf("%s: reason %q, error %q (reason %q)", api, res.Reason, denied.Message, denied.Reason)
		}
		return res.Reason
	}
	t.Fatalf("%s: decision %v", api, res.Decision)
	return ""
}

func wfAPI(name string) string { return workflowServicePrefix + name }

// serviceMethods: every method of a gRPC service, as full API names.
func serviceMethods(desc grpc.ServiceDesc) []string {
	var out []string
	for _, m := range desc.Methods {
		out = append(out, "/"+desc.ServiceName+"/"+m.MethodName)
	}
	for _, s := range desc.Streams {
		out = append(out, "/"+desc.ServiceName+"/"+s.StreamName)
	}
	return out
}

var (
	workflowMethods = serviceMethods(workflowservice.WorkflowService_ServiceDesc)
	operatorMethods = serviceMethods(operatorservice.OperatorService_ServiceDesc)
	adminMethods    = serviceMethods(adminservice.AdminService_ServiceDesc)
)

// A typo in a policy would silently deny: every listed API must be a real method.
func TestPoliciesNameOnlyRealMethods(t *testing.T) {
	real := map[string]bool{}
	for _, list := range [][]string{workflowMethods, operatorMethods, adminMethods} {
		for _, m := range list {
			real[m] = true
		}
	}
	if len(workflowMethods) < 50 || len(operatorMethods) < 5 || len(adminMethods) < 5 {
		t.Fatalf("service descriptors look empty: %d %d %d", len(workflowMethods), len(operatorMethods), len(adminMethods))
	}
	for _, prefix := range []string{workflowServicePrefix, operatorServicePrefix, adminServicePrefix} {
		if !real[prefix+"GetSystemInfo"] && !real[prefix+"ListSearchAttributes"] && !real[prefix+"DescribeCluster"] {
			t.Errorf("prefix %s names no service", prefix)
		}
	}
	for role, p := range policies {
		if len(p.apis) == 0 && len(p.prefixes) == 0 {
			t.Errorf("role %s allows nothing", role)
		}
		for api := range p.apis {
			if !real[api] {
				t.Errorf("role %s lists %s, which no service has", role, api)
			}
		}
		for _, prefix := range p.prefixes {
			found := false
			for m := range real {
				found = found || strings.HasPrefix(m, prefix)
			}
			if !found {
				t.Errorf("role %s allows the service prefix %s, which no service has", role, prefix)
			}
		}
	}
}

// Every method of every service is denied unless the role lists it (or its whole service).
func TestDefaultDeny(t *testing.T) {
	for _, role := range allRoles {
		claims := roleClaims(t, role)
		p := policies[role]
		for _, list := range [][]string{workflowMethods, operatorMethods, adminMethods} {
			for _, api := range list {
				_, listed := p.apis[api]
				for _, prefix := range p.prefixes {
					listed = listed || strings.HasPrefix(api, prefix)
				}
				// A request that passes every check: a harmless start, a node queue.
				reason := decide(t, claims, api, ns, harmlessRequest(api))
				if listed && reason != "" {
					t.Errorf("%s: %s listed but denied: %s", role, api, reason)
				}
				if !listed {
					want := "role " + string(role) + " may not call " + short(api)
					if reason != want {
						t.Errorf("%s: %s not listed: got %q, want %q", role, api, reason, want)
					}
				}
			}
		}
	}
}

func harmlessRequest(api string) any {
	tq := &taskqueuepb.TaskQueue{Name: "vault-bootstrap-node-abc"}
	switch short(api) {
	case "StartWorkflowExecution":
		return startReq("BootstrapVault")
	case "SignalWithStartWorkflowExecution":
		return &workflowservice.SignalWithStartWorkflowExecutionRequest{Namespace: ns, WorkflowType: wtype("BootstrapVault")}
	case "ExecuteMultiOperation":
		return multiReq("BootstrapVault")
	case "CreateSchedule":
		return &workflowservice.CreateScheduleRequest{Namespace: ns, Schedule: schedule("WatchVaultTasks")}
	case "UpdateSchedule":
		return &workflowservice.UpdateScheduleRequest{Namespace: ns, Schedule: schedule("WatchVaultTasks")}
	case "PollActivityTaskQueue":
		return &workflowservice.PollActivityTaskQueueRequest{Namespace: ns, TaskQueue: tq}
	case "RespondWorkflowTaskCompleted":
		return &workflowservice.RespondWorkflowTaskCompletedRequest{Namespace: ns}
	}
	return nil
}

func wtype(name string) *commonpb.WorkflowType { return &commonpb.WorkflowType{Name: name} }

func startReq(typ string) *workflowservice.StartWorkflowExecutionRequest {
	return &workflowservice.StartWorkflowExecutionRequest{Namespace: ns, WorkflowId: "w", WorkflowType: wtype(typ)}
}

func multiReq(types ...string) *workflowservice.ExecuteMultiOperationRequest {
	r := &workflowservice.ExecuteMultiOperationRequest{Namespace: ns}
	for _, typ := range types {
		r.Operations = append(r.Operations, &workflowservice.ExecuteMultiOperationRequest_Operation{
			Operation: &workflowservice.ExecuteMultiOperationRequest_Operation_StartWorkflow{StartWorkflow: startReq(typ)},
		})
	}
	r.Operations = append(r.Operations, &workflowservice.ExecuteMultiOperationRequest_Operation{
		Operation: &workflowservice.ExecuteMultiOperationRequest_Operation_UpdateWorkflow{
			UpdateWorkflow: &workflowservice.UpdateWorkflowExecutionRequest{Namespace: ns},
		},
	})
	return r
}

func schedule(typ string) *schedulepb.Schedule {
	return &schedulepb.Schedule{Action: &schedulepb.ScheduleAction{Action: &schedulepb.ScheduleAction_StartWorkflow{
		StartWorkflow: &workflowpb.NewWorkflowExecutionInfo{WorkflowId: "s", WorkflowType: wtype(typ)},
	}}}
}

func completedWith(cmds ...*commandpb.Command) *workflowservice.RespondWorkflowTaskCompletedRequest {
	return &workflowservice.RespondWorkflowTaskCompletedRequest{Namespace: ns, Commands: cmds}
}

func childCmd(typ string) *commandpb.Command {
	return &commandpb.Command{
		CommandType: enumspb.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION,
		Attributes: &commandpb.Command_StartChildWorkflowExecutionCommandAttributes{
			StartChildWorkflowExecutionCommandAttributes: &commandpb.StartChildWorkflowExecutionCommandAttributes{WorkflowType: wtype(typ)},
		},
	}
}

func canCmd(typ string) *commandpb.Command {
	return &commandpb.Command{
		CommandType: enumspb.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION,
		Attributes: &commandpb.Command_ContinueAsNewWorkflowExecutionCommandAttributes{
			ContinueAsNewWorkflowExecutionCommandAttributes: &commandpb.ContinueAsNewWorkflowExecutionCommandAttributes{WorkflowType: wtype(typ)},
		},
	}
}

// Starting BreakGlassRootToken by each API that can, for each role.
func TestBreakGlassOnlyForBreakGlass(t *testing.T) {
	bg := BreakGlassWorkflowType
	starts := []struct {
		api         string
		breakGlass  any
		other       any
		isSchedule  bool
		description string
	}{
		{"StartWorkflowExecution", startReq(bg), startReq("BootstrapVault"), false, "start"},
		{"SignalWithStartWorkflowExecution",
			&workflowservice.SignalWithStartWorkflowExecutionRequest{Namespace: ns, WorkflowType: wtype(bg)},
			&workflowservice.SignalWithStartWorkflowExecutionRequest{Namespace: ns, WorkflowType: wtype("HoldVaultStack")}, false, "signal-with-start"},
		{"ExecuteMultiOperation", multiReq(bg), multiReq("BootstrapVault"), false, "update-with-start"},
		{"CreateSchedule",
			&workflowservice.CreateScheduleRequest{Namespace: ns, Schedule: schedule(bg)},
			&workflowservice.CreateScheduleRequest{Namespace: ns, Schedule: schedule("WatchVaultTasks")}, true, "schedule"},
		{"UpdateSchedule",
			&workflowservice.UpdateScheduleRequest{Namespace: ns, Schedule: schedule(bg)},
			&workflowservice.UpdateScheduleRequest{Namespace: ns, Schedule: schedule("WatchVaultTasks")}, true, "schedule update"},
	}
	// Which roles may call these APIs at all (with a harmless type).
	starters := map[Role]bool{RoleSystem: true, RoleWorker: true, RoleOperator: true, RoleBreakGlass: true}
	for _, s := range starts {
		for _, role := range allRoles {
			claims := roleClaims(t, role)
			api := wfAPI(s.api)
			gotOther := decide(t, claims, api, ns, s.other)
			if starters[role] != (gotOther == "") {
				t.Errorf("%s %s of another type: got %q, want allowed=%v", role, s.description, gotOther, starters[role])
			}
			gotBG := decide(t, claims, api, ns, s.breakGlass)
			wantBG := role == RoleSystem || (role == RoleBreakGlass && !s.isSchedule)
			if wantBG != (gotBG == "") {
				t.Errorf("%s %s of %s: got %q, want allowed=%v", role, s.description, bg, gotBG, wantBG)
			}
			if starters[role] && !wantBG {
				want := "role " + string(role) + " may not start " + bg
				if s.isSchedule {
					want = "role " + string(role) + " may not schedule " + bg
				}
				if !strings.HasPrefix(gotBG, want) {
					t.Errorf("%s %s of %s: reason %q, want it to start with %q", role, s.description, bg, gotBG, want)
				}
			}
		}
	}
	// A multi-operation that hides the type in its second start.
	if got := decide(t, roleClaims(t, RoleOperator), wfAPI("ExecuteMultiOperation"), ns, multiReq("BootstrapVault", bg)); got == "" {
		t.Error("operator: a multi-operation starting BreakGlassRootToken second was allowed")
	}
	// A start API without a request to look at is denied rather than waved through.
	if got := decide(t, roleClaims(t, RoleOperator), wfAPI("StartWorkflowExecution"), ns, nil); got == "" {
		t.Error("operator: a start without a request was allowed")
	}
}

func TestWorkerCommands(t *testing.T) {
	worker := roleClaims(t, RoleWorker)
	api := wfAPI("RespondWorkflowTaskCompleted")
	for _, tc := range []struct {
		name  string
		req   any
		allow bool
	}{
		{"no commands", completedWith(), true},
		{"child of another type", completedWith(childCmd("VerifyVaultHealth")), true},
		{"continue as new, same type (empty)", completedWith(canCmd("")), true},
		{"child BreakGlassRootToken", completedWith(childCmd("VerifyVaultHealth"), childCmd(BreakGlassWorkflowType)), false},
		{"continue as new into BreakGlassRootToken", completedWith(canCmd(BreakGlassWorkflowType)), false},
		{"no request", nil, false},
	} {
		got := decide(t, worker, api, ns, tc.req)
		if tc.allow != (got == "") {
			t.Errorf("%s: got %q, want allowed=%v", tc.name, got, tc.allow)
		}
	}
}

func TestAgentQueues(t *testing.T) {
	api := wfAPI("PollActivityTaskQueue")
	poll := func(q string) any {
		return &workflowservice.PollActivityTaskQueueRequest{Namespace: ns, TaskQueue: &taskqueuepb.TaskQueue{Name: q}}
	}
	plain := claimsOf(t, subject("agent", "agent"))
	pinned := claimsOf(t, subject("agent", "agent@n1abc"))
	for _, tc := range []struct {
		name   string
		claims *authorization.Claims
		queue  string
		allow  bool
	}{
		{"plain agent, a node queue", plain, "vault-bootstrap-node-n1abc", true},
		{"plain agent, another node queue", plain, "vault-bootstrap-node-zzz", true},
		{"plain agent, the main queue", plain, "vault-bootstrap", false},
		{"plain agent, a queue ending in -node-", plain, "vault-bootstrap-node-", false},
		{"plain agent, a queue starting with -node-", plain, "-node-x", false},
		{"pinned agent, its node queue", pinned, "vault-bootstrap-node-n1abc", true},
		{"pinned agent, another base, its node", pinned, "authz-probe-node-n1abc", true},
		{"pinned agent, another node's queue", pinned, "vault-bootstrap-node-n2", false},
		{"pinned agent, a node id with a suffix", pinned, "vault-bootstrap-node-n1abcd", false},
		{"pinned agent, a node id that only ends the same", pinned, "vault-bootstrap-node-xn1abc", false},
		{"pinned agent, the main queue", pinned, "vault-bootstrap", false},
	} {
		got := decide(t, tc.claims, api, ns, poll(tc.queue))
		if tc.allow != (got == "") {
			t.Errorf("%s (%s): got %q, want allowed=%v", tc.name, tc.queue, got, tc.allow)
		}
	}
	if got := decide(t, pinned, api, ns, poll("vault-bootstrap-node-n2")); !strings.Contains(got, "role agent (node n1abc) may not poll task queue") {
		t.Errorf("pinned agent's reason: %q", got)
	}
	for _, denied := range []string{"PollWorkflowTaskQueue", "StartWorkflowExecution", "SignalWorkflowExecution",
		"SignalWithStartWorkflowExecution", "QueryWorkflow", "TerminateWorkflowExecution", "ListWorkflowExecutions",
		"GetWorkflowExecutionHistory", "CreateSchedule", "PollNexusTaskQueue", "RespondWorkflowTaskCompleted"} {
		if got := decide(t, plain, wfAPI(denied), ns, harmlessRequest(wfAPI(denied))); got == "" {
			t.Errorf("agent: %s allowed", denied)
		}
	}
}

// The matrix of what each role is for, from the brief: one row per role and API family.
func TestRoleMatrix(t *testing.T) {
	type row struct {
		api   string
		allow []Role
	}
	all := allRoles
	rows := []row{
		{wfAPI("GetSystemInfo"), all},
		{wfAPI("DescribeNamespace"), all},
		{wfAPI("GetClusterInfo"), []Role{RoleSystem, RoleAdmin, RoleViewer}},
		{wfAPI("ListNamespaces"), []Role{RoleSystem, RoleAdmin, RoleViewer}},
		{wfAPI("RegisterNamespace"), []Role{RoleSystem, RoleAdmin}},
		{wfAPI("UpdateNamespace"), []Role{RoleSystem, RoleAdmin}},
		{operatorServicePrefix + "AddSearchAttributes", []Role{RoleSystem, RoleAdmin}},
		{operatorServicePrefix + "DeleteNamespace", []Role{RoleSystem, RoleAdmin}},
		{operatorServicePrefix + "ListSearchAttributes", []Role{RoleSystem, RoleAdmin, RoleOperator, RoleBreakGlass, RoleViewer}},
		{adminServicePrefix + "DescribeCluster", []Role{RoleSystem, RoleAdmin}},
		{wfAPI("PollWorkflowTaskQueue"), []Role{RoleSystem, RoleWorker}},
		{wfAPI("PollActivityTaskQueue"), []Role{RoleSystem, RoleWorker, RoleAgent}},
		{wfAPI("RespondWorkflowTaskCompleted"), []Role{RoleSystem, RoleWorker}},
		{wfAPI("RespondQueryTaskCompleted"), []Role{RoleSystem, RoleWorker}},
		{wfAPI("RespondActivityTaskCompleted"), []Role{RoleSystem, RoleWorker, RoleAgent}},
		{wfAPI("RespondActivityTaskFailedById"), []Role{RoleSystem, RoleWorker, RoleAgent}},
		{wfAPI("RecordActivityTaskHeartbeat"), []Role{RoleSystem, RoleWorker, RoleAgent}},
		{wfAPI("ShutdownWorker"), []Role{RoleSystem, RoleWorker, RoleAgent}},
		{wfAPI("RecordWorkerHeartbeat"), []Role{RoleSystem, RoleWorker, RoleAgent}},
		{wfAPI("DescribeWorkflowExecution"), []Role{RoleSystem, RoleWorker, RoleAgent, RoleOperator, RoleBreakGlass, RoleViewer}},
		{wfAPI("StartWorkflowExecution"), []Role{RoleSystem, RoleWorker, RoleOperator, RoleBreakGlass}},
		{wfAPI("SignalWorkflowExecution"), []Role{RoleSystem, RoleWorker, RoleOperator, RoleBreakGlass}},
		{wfAPI("QueryWorkflow"), []Role{RoleSystem, RoleWorker, RoleOperator, RoleBreakGlass}},
		{wfAPI("TerminateWorkflowExecution"), []Role{RoleSystem, RoleWorker, RoleOperator, RoleBreakGlass}},
		{wfAPI("RequestCancelWorkflowExecution"), []Role{RoleSystem, RoleWorker, RoleOperator, RoleBreakGlass}},
		{wfAPI("GetWorkflowExecutionHistory"), []Role{RoleSystem, RoleWorker, RoleOperator, RoleBreakGlass, RoleViewer}},
		{wfAPI("GetWorkflowExecutionHistoryReverse"), []Role{RoleSystem, RoleWorker, RoleOperator, RoleBreakGlass, RoleViewer}},
		{wfAPI("ListWorkflowExecutions"), []Role{RoleSystem, RoleWorker, RoleOperator, RoleBreakGlass, RoleViewer}},
		{wfAPI("CountWorkflowExecutions"), []Role{RoleSystem, RoleWorker, RoleOperator, RoleBreakGlass, RoleViewer}},
		{wfAPI("CreateSchedule"), []Role{RoleSystem, RoleWorker, RoleOperator, RoleBreakGlass}},
		{wfAPI("DeleteSchedule"), []Role{RoleSystem, RoleWorker, RoleOperator, RoleBreakGlass}},
		{wfAPI("PatchSchedule"), []Role{RoleSystem, RoleWorker, RoleOperator, RoleBreakGlass}},
		{wfAPI("DescribeSchedule"), []Role{RoleSystem, RoleWorker, RoleOperator, RoleBreakGlass, RoleViewer}},
		{wfAPI("ListSchedules"), []Role{RoleSystem, RoleWorker, RoleOperator, RoleBreakGlass, RoleViewer}},
		{wfAPI("ListScheduleMatchingTimes"), []Role{RoleSystem, RoleWorker, RoleOperator, RoleBreakGlass, RoleViewer}},
		{wfAPI("GetSearchAttributes"), []Role{RoleSystem, RoleAdmin, RoleWorker, RoleOperator, RoleBreakGlass, RoleViewer}},
		{wfAPI("DescribeTaskQueue"), []Role{RoleSystem, RoleWorker, RoleViewer}},
		{wfAPI("ResetWorkflowExecution"), []Role{RoleSystem}},
		{wfAPI("DeleteWorkflowExecution"), []Role{RoleSystem}},
		{wfAPI("StartBatchOperation"), []Role{RoleSystem}},
		{wfAPI("UpdateWorkerBuildIdCompatibility"), []Role{RoleSystem}},
		{wfAPI("PollNexusTaskQueue"), []Role{RoleSystem}},
	}
	for _, r := range rows {
		allowed := map[Role]bool{}
		for _, role := range r.allow {
			allowed[role] = true
		}
		for _, role := range allRoles {
			got := decide(t, roleClaims(t, role), r.api, ns, harmlessRequest(r.api))
			if allowed[role] != (got == "") {
				t.Errorf("%s %s: got %q, want allowed=%v", role, short(r.api), got, allowed[role])
			}
		}
	}
}

func TestNamespaces(t *testing.T) {
	api := wfAPI("DescribeWorkflowExecution")
	for _, role := range allRoles {
		got := decide(t, roleClaims(t, role), api, "temporal-system", nil)
		// system and admin act anywhere; admin does not list DescribeWorkflowExecution at all.
		switch role {
		case RoleSystem:
			if got != "" {
				t.Errorf("system in temporal-system: %q", got)
			}
		case RoleAdmin:
			if got == "" {
				t.Error("admin: DescribeWorkflowExecution allowed")
			}
		default:
			want := "role " + string(role) + " may not call DescribeWorkflowExecution in namespace temporal-system"
			if got != want {
				t.Errorf("%s in temporal-system: got %q, want %q", role, got, want)
			}
		}
	}
	if got := decide(t, roleClaims(t, RoleAdmin), wfAPI("RegisterNamespace"), "another", nil); got != "" {
		t.Errorf("admin registering a namespace: %q", got)
	}
	// Calls naming no namespace are not limited.
	if got := decide(t, roleClaims(t, RoleViewer), wfAPI("ListNamespaces"), "", nil); got != "" {
		t.Errorf("viewer ListNamespaces: %q", got)
	}
}

func TestIdentity(t *testing.T) {
	for _, tc := range []struct {
		name    string
		subject *pkix.Name
		role    Role
		node    string
		problem string
	}{
		{"operator", subject("operator", "alice"), RoleOperator, "", ""},
		{"pinned agent", subject("agent", "agent@n1"), RoleAgent, "n1", ""},
		{"plain agent", subject("agent", "node-agent"), RoleAgent, "", ""},
		{"agent@ with no node", subject("agent", "agent@"), "", "", "names no node"},
		{"worker named agent@x is not pinned", subject("worker", "agent@x"), RoleWorker, "", ""},
		{"unknown OU", subject("root", "x"), "", "", "unknown role OU=root"},
		{"empty OU", subject("", "x"), "", "", "unknown role"},
		{"two OUs", &pkix.Name{Organization: []string{Organization}, OrganizationalUnit: []string{"viewer", "system"}, CommonName: "x"}, "", "", "exactly one OU"},
		{"no OU", &pkix.Name{Organization: []string{Organization}, CommonName: "x"}, "", "", "exactly one OU"},
		{"another O", &pkix.Name{Organization: []string{"evil"}, OrganizationalUnit: []string{"system"}, CommonName: "x"}, "", "", "O must be"},
		{"two Os", &pkix.Name{Organization: []string{Organization, "x"}, OrganizationalUnit: []string{"system"}, CommonName: "x"}, "", "", "O must be"},
		{"no CN", subject("operator", ""), "", "", "a CN is required"},
	} {
		c := claimsOf(t, tc.subject)
		id, ok := c.Extensions.(*Identity)
		if !ok {
			t.Fatalf("%s: extensions %T", tc.name, c.Extensions)
		}
		if tc.problem != "" {
			if !strings.Contains(id.Problem, tc.problem) {
				t.Errorf("%s: problem %q, want it to contain %q", tc.name, id.Problem, tc.problem)
			}
			// Such an identity may do nothing, not even GetSystemInfo.
			if got := decide(t, c, wfAPI("GetSystemInfo"), "", nil); !strings.Contains(got, tc.problem) {
				t.Errorf("%s: GetSystemInfo: %q", tc.name, got)
			}
			continue
		}
		if id.Problem != "" || id.Role != tc.role || id.NodeID != tc.node {
			t.Errorf("%s: got %+v, want role %s node %q", tc.name, id, tc.role, tc.node)
		}
	}
	// Only the system and admin roles get the (informational) system claim.
	for _, role := range allRoles {
		c := roleClaims(t, role)
		if want := role == RoleSystem || role == RoleAdmin; want != (c.System == authorization.RoleAdmin) {
			t.Errorf("%s: System claim %v", role, c.System)
		}
	}
}

func TestNoCertificate(t *testing.T) {
	noCert, err := CertClaimMapper{}.GetClaims(&authorization.AuthInfo{AuthToken: "Bearer admin"})
	if err != nil {
		t.Fatal(err)
	}
	for name, claims := range map[string]*authorization.Claims{"nil claims": nil, "token only": noCert, "no extensions": {System: authorization.RoleAdmin}} {
		if got := decide(t, claims, wfAPI("GetSystemInfo"), "", nil); !strings.Contains(got, "no verified client certificate") {
			t.Errorf("%s: GetSystemInfo: %q", name, got)
		}
		if got := decide(t, claims, healthCheckAPI, "", nil); got != "" {
			t.Errorf("%s: health check denied: %q", name, got)
		}
		if got := decide(t, claims, "/grpc.health.v1.Health/Watch", "", nil); got == "" {
			t.Errorf("%s: health watch allowed", name)
		}
	}
}

func TestReasonText(t *testing.T) {
	got := decide(t, roleClaims(t, RoleOperator), wfAPI("StartWorkflowExecution"), ns, startReq(BreakGlassWorkflowType))
	if got != "role operator may not start BreakGlassRootToken (StartWorkflowExecution)" {
		t.Errorf("reason %q", got)
	}
	got = decide(t, roleClaims(t, RoleViewer), wfAPI("TerminateWorkflowExecution"), ns, nil)
	if got != "role viewer may not call TerminateWorkflowExecution" {
		t.Errorf("reason %q", got)
	}
}

func TestRoleAPIs(t *testing.T) {
	for _, role := range allRoles {
		if len(RoleAPIs(role)) == 0 {
			t.Errorf("%s: no APIs", role)
		}
	}
	agent := strings.Join(RoleAPIs(RoleAgent), "\n")
	if !strings.Contains(agent, "PollActivityTaskQueue (checked)") || strings.Contains(agent, "PollWorkflowTaskQueue") {
		t.Errorf("agent's list:\n%s", agent)
	}
}
