-- audit_v1_fixture.sql — audit chains written by tongban BEFORE the chain's
-- canonical form was versioned (main at fbd0ef3, canonical form 1: the
-- store's own compact JSON with sorted keys around jansson's payload text).
--
-- Made once with that build: on a throwaway cluster, the shipped workflows
-- were loaded and two qykb applications driven through the old store API
-- (one through its whole lifecycle with returns, decisions carrying a JSON
-- payload with quotes, newlines, tabs, a control character, non-ASCII text,
-- a surrogate pair and fractional numbers; a clerk whose name has quotes,
-- a newline, a tab and a backslash — every place where form 1 and RFC 8785
-- escape differently), then
--   pg_dump --data-only --column-inserts -t definitions -t app_serials \
--     -t applications -t audit_events
-- with pg_dump's psql-only \restrict lines removed. Do not regenerate it
-- with a newer binary: it stands for databases already in service.
-- tests/store/test_store_audit.c loads it into a migrated database and
-- verifies every chain.
--
-- PostgreSQL database dump
--


-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

--
-- Data for Name: app_serials; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.app_serials (region, day, last) VALUES ('330100', '2026-11-30', 2);


--
-- Data for Name: definitions; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.definitions (id, version, name, sha256, xml, file, loaded_at) VALUES ('qykb', 1, '企业开办', '\x4b33a3561439235fb93c7e5a63f2ba0928098a36a1446595fb854bb358b48421', '<?xml version="1.0" encoding="UTF-8"?>
<!--
  qykb.xml - business start-up (企业开办), one application for everything
  a new enterprise needs: registration and business license, seal
  engraving, tax, social insurance, and on request housing fund and food
  business license. Every bureau works at once on the shared application
  data (并联办理, 一表申请): none waits for another, which is what lets the
  whole start-up finish within the promised three working days.
-->
<service xmlns="urn:tongban:workflow:1" id="qykb" version="1"
         applicant="either" statutory-days="5" promised-days="3"
         warn-days="1" online="true" on-gap-missed="warn" delivery="both">
  <name>企业开办</name>

  <form>
    <field id="company_name" type="text" label="企业名称" min-length="4" max-length="50"/>
    <field id="company_type" type="choice" label="企业类型">
      <choice value="llc">有限责任公司</choice>
      <choice value="joint_stock">股份有限公司</choice>
      <choice value="sole">个人独资企业</choice>
      <choice value="partnership">合伙企业</choice>
    </field>
    <!-- registered capital in yuan: up to 100 billion -->
    <field id="registered_capital" type="money" label="注册资本（元）" min="0" max="100000000000"/>
    <field id="legal_rep_name" type="text" label="法定代表人姓名" min-length="2" max-length="30"/>
    <field id="legal_rep_id" type="id-number" label="法定代表人身份证号码"/>
    <field id="address" type="text" label="住所" min-length="5" max-length="100"/>
    <!-- business scope: several may be chosen; food adds the food branch -->
    <field id="scope" type="choice" label="经营范围" multiple="true">
      <choice value="software">软件开发</choice>
      <choice value="consulting">信息咨询服务</choice>
      <choice value="retail">日用百货零售</choice>
      <choice value="wholesale">批发贸易</choice>
      <choice value="manufacturing">制造加工</choice>
      <choice value="food">食品经营（含餐饮服务）</choice>
    </field>
    <field id="employees" type="number" label="从业人数" integer="true" min="0" max="100000"/>
    <field id="seal_count" type="number" label="刻制印章数量" integer="true" min="1" max="10"/>
    <field id="needs_invoice" type="boolean" label="申领发票"/>
    <field id="housing_fund" type="boolean" label="开设住房公积金缴存账户"/>
    <field id="phone" type="text" label="联系电话" min-length="7" max-length="20"/>
  </form>

  <materials>
    <material id="application" name="公司登记（备案）申请书"/>
    <material id="articles" name="公司章程"/>
    <!-- data travels instead of the applicant: the e-ID satisfies it -->
    <material id="legal_rep_id_card" name="法定代表人身份证件" license-type="11100000000013338W001"/>
    <material id="shareholder_proof" name="股东主体资格证明"/>
    <!-- address self-declaration: a signed commitment replaces the lease -->
    <material id="premises" name="住所使用证明" commitment="true"/>
    <!-- may follow within 5 working days (tolerated gap) -->
    <material id="appointment" name="董事、监事、经理任职文件" tolerate-days="5"/>
    <material id="food_safety_rules" name="食品安全管理制度" required="false"/>
  </materials>

  <review>
    <branch id="registration" name="设立登记" bureau="SCJG">
      <task id="examine" name="登记审核" days="1"/>
    </branch>
    <branch id="seal" name="印章刻制备案" bureau="GA">
      <task id="record" name="印章刻制备案" days="1"/>
    </branch>
    <!-- new-taxpayer package: tax information, then invoices -->
    <branch id="tax" name="新办纳税人涉税事项" bureau="SW">
      <task id="confirm" name="涉税信息确认" days="1"/>
      <task id="invoice" name="发票核定与领用" days="1"/>
    </branch>
    <branch id="social_insurance" name="社会保险登记" bureau="RS">
      <task id="register" name="单位参保登记" days="1"/>
    </branch>
    <branch id="housing_fund" name="住房公积金缴存登记" bureau="GJJ"
            when="housing_fund" on-deny="continue">
      <task id="register" name="单位缴存登记" days="1"/>
    </branch>
    <branch id="food" name="食品经营许可" bureau="SCJG"
            when="scope contains ''food''">
      <task id="examine" name="许可审查（告知承诺）" days="1"/>
    </branch>
  </review>

  <result>
    <license type-code="11100000MB0143028R001" name="营业执照" bureau="SCJG"
             branch="registration" valid-years="0">
      <item field="company_name"/>
      <item field="company_type"/>
      <item field="registered_capital"/>
      <item field="legal_rep_name"/>
      <item field="address"/>
      <item field="scope"/>
    </license>
    <license type-code="11100000MB0143028R002" name="食品经营许可证" bureau="SCJG"
             branch="food" valid-years="5">
      <item field="company_name"/>
      <item field="legal_rep_name"/>
      <item field="address"/>
    </license>
  </result>
</service>
', '/tmp/oldtb/workflows/qykb.xml', '2026-11-30 01:20:48.945079+00');


--
-- Data for Name: applications; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.applications (id, number, definition_id, definition_version, applicant_kind, applicant_name, applicant_id_number, form, state, status, warning, channel, deadline, statutory_deadline, tracking_code_hash, audit_seq, audit_hash, created_at, updated_at) OVERRIDING SYSTEM VALUE VALUES (1, '330100202611300000012', 'qykb', 1, 'person', '张三', '11010519491231002X', '{"phone": "测测测测测测测", "scope": "software,consulting,retail,wholesale,manufacturing,food", "address": "测测测测测测", "employees": "3", "seal_count": "3", "company_name": "测测测测测测", "company_type": "llc", "housing_fund": "true", "legal_rep_id": "11010519491231002X", "needs_invoice": "true", "legal_rep_name": "测测测测测测", "registered_capital": "10000.00"}', '{"v": 1, "gaps": "0", "notice": "0", "rating": 5, "status": "delivered", "channel": "window", "gap_due": [], "special": "hearing", "warning": "none", "branches": [{"step": 0, "round": 2, "status": "approved", "claimed": false, "warning": "none", "claimant": 200, "deadline": 20788, "started_at": 1796001649}, {"step": 0, "round": 1, "status": "approved", "claimed": false, "warning": "none", "claimant": 201, "deadline": 20788, "started_at": 1796001648}, {"step": 1, "round": 1, "status": "approved", "claimed": false, "warning": "none", "claimant": 202, "deadline": 20788, "started_at": 1796001648}, {"step": 0, "round": 1, "status": "approved", "claimed": false, "warning": "none", "claimant": 203, "deadline": 20788, "started_at": 1796001648}, {"step": 0, "round": 1, "status": "approved", "claimed": false, "warning": "none", "claimant": 204, "deadline": 20788, "started_at": 1796001648}, {"step": 0, "round": 1, "status": "approved", "claimed": false, "warning": "none", "claimant": 205, "deadline": 20788, "started_at": 1796001648}], "deadline": 20790, "licenses": 3, "provided": "127", "committed": "0", "paused_at": 0, "accepted_at": 1796001648, "finished_at": 1796001649, "gap_overdue": false, "paused_days": 0, "from_license": "0", "submitted_at": 1796001648, "notice_branches": 0, "statutory_deadline": 20794}', 'delivered', 'none', 'window', '2026-12-03', '2026-12-07', '\x30e6716295944ae9682e653f1ae00c5f531bb62b7df6384fa6e5e695f35b6d3b', 21, '\x1993634005aeab88e6da489e4697ab6cceabaa378dd3d002b75e73418d88cd56', '2026-11-30 01:20:48.953807+00', '2026-11-30 01:20:49.012774+00');
INSERT INTO public.applications (id, number, definition_id, definition_version, applicant_kind, applicant_name, applicant_id_number, form, state, status, warning, channel, deadline, statutory_deadline, tracking_code_hash, audit_seq, audit_hash, created_at, updated_at) OVERRIDING SYSTEM VALUE VALUES (2, '330100202611300000020', 'qykb', 1, 'person', '张三', '11010519491231002X', '{"phone": "测测测测测测测", "scope": "software,consulting,retail,wholesale,manufacturing,food", "address": "测测测测测测", "employees": "3", "seal_count": "3", "company_name": "测测测测测测", "company_type": "llc", "housing_fund": "true", "legal_rep_id": "11010519491231002X", "needs_invoice": "true", "legal_rep_name": "测测测测测测", "registered_capital": "10000.00"}', '{"v": 1, "gaps": "0", "notice": "0", "rating": 0, "status": "in_review", "channel": "window", "gap_due": [], "special": "hearing", "warning": "none", "branches": [{"step": 0, "round": 1, "status": "active", "claimed": false, "warning": "none", "claimant": 0, "deadline": 20788, "started_at": 1796001649}, {"step": 0, "round": 1, "status": "active", "claimed": false, "warning": "none", "claimant": 0, "deadline": 20788, "started_at": 1796001649}, {"step": 0, "round": 1, "status": "active", "claimed": false, "warning": "none", "claimant": 0, "deadline": 20788, "started_at": 1796001649}, {"step": 0, "round": 1, "status": "active", "claimed": false, "warning": "none", "claimant": 0, "deadline": 20788, "started_at": 1796001649}, {"step": 0, "round": 1, "status": "active", "claimed": false, "warning": "none", "claimant": 0, "deadline": 20788, "started_at": 1796001649}, {"step": 0, "round": 1, "status": "active", "claimed": false, "warning": "none", "claimant": 0, "deadline": 20788, "started_at": 1796001649}], "deadline": 20790, "licenses": 0, "provided": "127", "committed": "0", "paused_at": 0, "accepted_at": 1796001649, "finished_at": 0, "gap_overdue": false, "paused_days": 0, "from_license": "0", "submitted_at": 1796001649, "notice_branches": 0, "statutory_deadline": 20794}', 'in_review', 'none', 'window', '2026-12-03', '2026-12-07', '\x9f8265bc8130842881e5ccabc2d90b6ce8daee4adb88190e6a4f60b9ca572b60', 2, '\xf1cff3a9d529454dbe5bbdc9f42a6267836042771553606c749b0bf11a01b7b9', '2026-11-30 01:20:49.01423+00', '2026-11-30 01:20:49.016835+00');


--
-- Data for Name: audit_events; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 1, 0, 'applicant', 'applicant', NULL, 'submit', '{"definition":"qykb@1","effects":[],"event":{"at":1796001648,"channel":"window","from_license":[],"materials":["application","articles","legal_rep_id_card","shareholder_proof","premises","appointment","food_safety_rules"]},"from":"none","to":"submitted"}', '2026-11-30 01:20:48.960539+00', '\x0000000000000000000000000000000000000000000000000000000000000000', '\x6cc5489daeb202ceae54346113a630d0c700a8caa8a796e47379cc8d4dce6aa2');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 2, 101, 'clerk "王"
	\ 窗口', 'clerk', NULL, 'accept', '{"definition":"qykb@1","effects":[{"effect":"notify","notice":"accepted"},{"at":1796227200,"effect":"schedule_timer","subject":0,"timer":"app_yellow"},{"at":1796313600,"effect":"schedule_timer","subject":0,"timer":"app_red"},{"at":1796054400,"effect":"schedule_timer","subject":0,"timer":"task_yellow"},{"at":1796140800,"effect":"schedule_timer","subject":0,"timer":"task_red"},{"branch":"registration","deadline":"2026-12-01","effect":"create_task","round":1,"step":0},{"at":1796054400,"effect":"schedule_timer","subject":1,"timer":"task_yellow"},{"at":1796140800,"effect":"schedule_timer","subject":1,"timer":"task_red"},{"branch":"seal","deadline":"2026-12-01","effect":"create_task","round":1,"step":0},{"at":1796054400,"effect":"schedule_timer","subject":2,"timer":"task_yellow"},{"at":1796140800,"effect":"schedule_timer","subject":2,"timer":"task_red"},{"branch":"tax","deadline":"2026-12-01","effect":"create_task","round":1,"step":0},{"at":1796054400,"effect":"schedule_timer","subject":3,"timer":"task_yellow"},{"at":1796140800,"effect":"schedule_timer","subject":3,"timer":"task_red"},{"branch":"social_insurance","deadline":"2026-12-01","effect":"create_task","round":1,"step":0},{"at":1796054400,"effect":"schedule_timer","subject":4,"timer":"task_yellow"},{"at":1796140800,"effect":"schedule_timer","subject":4,"timer":"task_red"},{"branch":"housing_fund","deadline":"2026-12-01","effect":"create_task","round":1,"step":0},{"at":1796054400,"effect":"schedule_timer","subject":5,"timer":"task_yellow"},{"at":1796140800,"effect":"schedule_timer","subject":5,"timer":"task_red"},{"branch":"food","deadline":"2026-12-01","effect":"create_task","round":1,"step":0}],"event":{"at":1796001648,"committed":[],"gaps":[]},"from":"submitted","to":"in_review"}', '2026-11-30 01:20:48.972678+00', '\x6cc5489daeb202ceae54346113a630d0c700a8caa8a796e47379cc8d4dce6aa2', '\x729cc486932e0796bff106c5236b04d35dad77e41dfa2ba5d52aeb1f110544e3');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 3, 200, 'officer', 'officer', 'SCJG', 'claim', '{"definition":"qykb@1","effects":[],"event":{"at":1796001648,"branch":"registration","step":0},"from":"in_review","to":"in_review"}', '2026-11-30 01:20:48.976207+00', '\x729cc486932e0796bff106c5236b04d35dad77e41dfa2ba5d52aeb1f110544e3', '\x42f77f35a43c2526df3a18a7f4f5a66536d5fcc6f84f3076bb1fdf7c1a31c762');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 4, 200, 'officer', 'officer', 'SCJG', 'return', '{"data":{"big":1e21,"comment":"审核意见：\"符合\"\n第二行\t\u0001 \\ end","list":[3,2,1],"neg":0,"nested":{"a":2,"b":1,"é":"😂"},"ratio":2.4999999999999999e-7,"score":0.10000000000000001},"definition":"qykb@1","effects":[{"effect":"cancel_timer","subject":0,"timer":"task_yellow"},{"effect":"cancel_timer","subject":0,"timer":"task_red"}],"event":{"at":1796001648,"branch":"registration","materials":["application"],"step":0},"from":"in_review","to":"in_review"}', '2026-11-30 01:20:48.980928+00', '\x42f77f35a43c2526df3a18a7f4f5a66536d5fcc6f84f3076bb1fdf7c1a31c762', '\xde2b5742dff942ebdeca3f4adf9e93b97cad2838b4491665b426a5e1eda4e632');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 5, 201, 'officer', 'officer', 'GA', 'claim', '{"definition":"qykb@1","effects":[],"event":{"at":1796001648,"branch":"seal","step":0},"from":"in_review","to":"in_review"}', '2026-11-30 01:20:48.982568+00', '\xde2b5742dff942ebdeca3f4adf9e93b97cad2838b4491665b426a5e1eda4e632', '\x9c6df97ff16875590b06c4572d919f71a7fa74955afc2d974a33f8cfcc1b4aef');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 6, 201, 'officer', 'officer', 'GA', 'approve', '{"data":{"big":1e21,"comment":"审核意见：\"符合\"\n第二行\t\u0001 \\ end","list":[3,2,1],"neg":0,"nested":{"a":2,"b":1,"é":"😂"},"ratio":2.4999999999999999e-7,"score":0.10000000000000001},"definition":"qykb@1","effects":[{"effect":"cancel_timer","subject":1,"timer":"task_yellow"},{"effect":"cancel_timer","subject":1,"timer":"task_red"}],"event":{"at":1796001648,"branch":"seal","step":0},"from":"in_review","to":"in_review"}', '2026-11-30 01:20:48.983936+00', '\x9c6df97ff16875590b06c4572d919f71a7fa74955afc2d974a33f8cfcc1b4aef', '\xea3f6c334bf1ab639762ab929a3c95ed3a8d0fda071e25d05a00152b2bc878f7');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 7, 202, 'officer', 'officer', 'SW', 'claim', '{"definition":"qykb@1","effects":[],"event":{"at":1796001648,"branch":"tax","step":0},"from":"in_review","to":"in_review"}', '2026-11-30 01:20:48.985198+00', '\xea3f6c334bf1ab639762ab929a3c95ed3a8d0fda071e25d05a00152b2bc878f7', '\x61657b1be5aa88fa742ad750ee9be981d0bab935de85ba70d28c8b8fb2eb52ae');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 8, 202, 'officer', 'officer', 'SW', 'approve', '{"data":{"big":1e21,"comment":"审核意见：\"符合\"\n第二行\t\u0001 \\ end","list":[3,2,1],"neg":0,"nested":{"a":2,"b":1,"é":"😂"},"ratio":2.4999999999999999e-7,"score":0.10000000000000001},"definition":"qykb@1","effects":[{"effect":"cancel_timer","subject":2,"timer":"task_yellow"},{"effect":"cancel_timer","subject":2,"timer":"task_red"},{"at":1796054400,"effect":"schedule_timer","subject":2,"timer":"task_yellow"},{"at":1796140800,"effect":"schedule_timer","subject":2,"timer":"task_red"},{"branch":"tax","deadline":"2026-12-01","effect":"create_task","round":1,"step":1}],"event":{"at":1796001648,"branch":"tax","step":0},"from":"in_review","to":"in_review"}', '2026-11-30 01:20:48.987476+00', '\x61657b1be5aa88fa742ad750ee9be981d0bab935de85ba70d28c8b8fb2eb52ae', '\xb937dbafec5cf43499672f8097e24899140cfa2d9d5bf420d4f8a41ebfebd44c');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 9, 202, 'officer', 'officer', 'SW', 'claim', '{"definition":"qykb@1","effects":[],"event":{"at":1796001648,"branch":"tax","step":1},"from":"in_review","to":"in_review"}', '2026-11-30 01:20:48.988626+00', '\xb937dbafec5cf43499672f8097e24899140cfa2d9d5bf420d4f8a41ebfebd44c', '\x7b3f6ca74e758772501ebba22d2bf965e0c7b77433e200178c945c9db0b5210c');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 10, 202, 'officer', 'officer', 'SW', 'approve', '{"data":{"big":1e21,"comment":"审核意见：\"符合\"\n第二行\t\u0001 \\ end","list":[3,2,1],"neg":0,"nested":{"a":2,"b":1,"é":"😂"},"ratio":2.4999999999999999e-7,"score":0.10000000000000001},"definition":"qykb@1","effects":[{"effect":"cancel_timer","subject":2,"timer":"task_yellow"},{"effect":"cancel_timer","subject":2,"timer":"task_red"}],"event":{"at":1796001648,"branch":"tax","step":1},"from":"in_review","to":"in_review"}', '2026-11-30 01:20:48.990568+00', '\x7b3f6ca74e758772501ebba22d2bf965e0c7b77433e200178c945c9db0b5210c', '\x6abc88a644e7e4cec943dd4d18f8b912af1e6376ce0b56cb4fdb39f137d5eebf');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 11, 203, 'officer', 'officer', 'RS', 'claim', '{"definition":"qykb@1","effects":[],"event":{"at":1796001648,"branch":"social_insurance","step":0},"from":"in_review","to":"in_review"}', '2026-11-30 01:20:48.992033+00', '\x6abc88a644e7e4cec943dd4d18f8b912af1e6376ce0b56cb4fdb39f137d5eebf', '\x3b4d0d38fb203a7134cb043015acf7bc76accfd1ec15b024e319c6e1192c95db');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 12, 203, 'officer', 'officer', 'RS', 'approve', '{"data":{"big":1e21,"comment":"审核意见：\"符合\"\n第二行\t\u0001 \\ end","list":[3,2,1],"neg":0,"nested":{"a":2,"b":1,"é":"😂"},"ratio":2.4999999999999999e-7,"score":0.10000000000000001},"definition":"qykb@1","effects":[{"effect":"cancel_timer","subject":3,"timer":"task_yellow"},{"effect":"cancel_timer","subject":3,"timer":"task_red"}],"event":{"at":1796001648,"branch":"social_insurance","step":0},"from":"in_review","to":"in_review"}', '2026-11-30 01:20:48.995074+00', '\x3b4d0d38fb203a7134cb043015acf7bc76accfd1ec15b024e319c6e1192c95db', '\xfca17d54a5c47432464fa21f0a5dda974e821470761ac72e7a3761a4122b9972');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 13, 204, 'officer', 'officer', 'GJJ', 'claim', '{"definition":"qykb@1","effects":[],"event":{"at":1796001648,"branch":"housing_fund","step":0},"from":"in_review","to":"in_review"}', '2026-11-30 01:20:48.997867+00', '\xfca17d54a5c47432464fa21f0a5dda974e821470761ac72e7a3761a4122b9972', '\x4f5a6f508b1c1b33b181744d2f7a0a93d41b1fd16219e0916ec5a89492f7ccd9');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 14, 204, 'officer', 'officer', 'GJJ', 'approve', '{"data":{"big":1e21,"comment":"审核意见：\"符合\"\n第二行\t\u0001 \\ end","list":[3,2,1],"neg":0,"nested":{"a":2,"b":1,"é":"😂"},"ratio":2.4999999999999999e-7,"score":0.10000000000000001},"definition":"qykb@1","effects":[{"effect":"cancel_timer","subject":4,"timer":"task_yellow"},{"effect":"cancel_timer","subject":4,"timer":"task_red"}],"event":{"at":1796001648,"branch":"housing_fund","step":0},"from":"in_review","to":"in_review"}', '2026-11-30 01:20:48.999251+00', '\x4f5a6f508b1c1b33b181744d2f7a0a93d41b1fd16219e0916ec5a89492f7ccd9', '\x56364b7bd35ca4df7fa3e03e0262eb00cd2de53a185659288a1ffdf56414d0c2');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 15, 205, 'officer', 'officer', 'SCJG', 'claim', '{"definition":"qykb@1","effects":[],"event":{"at":1796001649,"branch":"food","step":0},"from":"in_review","to":"in_review"}', '2026-11-30 01:20:49.000231+00', '\x56364b7bd35ca4df7fa3e03e0262eb00cd2de53a185659288a1ffdf56414d0c2', '\x6d88062d4ec145829ebd747cf63e7915f923bf119a602f699495fe85afab6f52');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 16, 205, 'officer', 'officer', 'SCJG', 'approve', '{"data":{"big":1e21,"comment":"审核意见：\"符合\"\n第二行\t\u0001 \\ end","list":[3,2,1],"neg":0,"nested":{"a":2,"b":1,"é":"😂"},"ratio":2.4999999999999999e-7,"score":0.10000000000000001},"definition":"qykb@1","effects":[{"effect":"cancel_timer","subject":5,"timer":"task_yellow"},{"effect":"cancel_timer","subject":5,"timer":"task_red"},{"effect":"cancel_timer","subject":0,"timer":"app_yellow"},{"effect":"cancel_timer","subject":0,"timer":"app_red"},{"branches":["registration"],"effect":"notify","materials":["application"],"notice":"supplement"}],"event":{"at":1796001649,"branch":"food","step":0},"from":"in_review","to":"returned"}', '2026-11-30 01:20:49.006047+00', '\x6d88062d4ec145829ebd747cf63e7915f923bf119a602f699495fe85afab6f52', '\xbdffa6a74c2239783da567fbd264e6d112daa62f6a6ee1b247d283064928d219');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 17, 0, 'applicant', 'applicant', NULL, 'supplement', '{"definition":"qykb@1","effects":[{"at":1796227200,"effect":"schedule_timer","subject":0,"timer":"app_yellow"},{"at":1796313600,"effect":"schedule_timer","subject":0,"timer":"app_red"},{"at":1796054400,"effect":"schedule_timer","subject":0,"timer":"task_yellow"},{"at":1796140800,"effect":"schedule_timer","subject":0,"timer":"task_red"},{"branch":"registration","deadline":"2026-12-01","effect":"create_task","round":2,"step":0},{"effect":"notify","materials":["application"],"notice":"resumed"}],"event":{"at":1796001649,"materials":["application"]},"from":"returned","to":"in_review"}', '2026-11-30 01:20:49.007822+00', '\xbdffa6a74c2239783da567fbd264e6d112daa62f6a6ee1b247d283064928d219', '\x9cbe6add3fca2c4bec446c8e40963a218d1c1ea5a4f3e9bad989b71c976e7391');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 18, 200, 'officer', 'officer', 'SCJG', 'claim', '{"definition":"qykb@1","effects":[],"event":{"at":1796001649,"branch":"registration","step":0},"from":"in_review","to":"in_review"}', '2026-11-30 01:20:49.008917+00', '\x9cbe6add3fca2c4bec446c8e40963a218d1c1ea5a4f3e9bad989b71c976e7391', '\xc241d8585db05da169353639b8fe85b35fb9a0dd72e6a68c9971b84f4ec04467');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 19, 200, 'officer', 'officer', 'SCJG', 'approve', '{"data":{"big":1e21,"comment":"审核意见：\"符合\"\n第二行\t\u0001 \\ end","list":[3,2,1],"neg":0,"nested":{"a":2,"b":1,"é":"😂"},"ratio":2.4999999999999999e-7,"score":0.10000000000000001},"definition":"qykb@1","effects":[{"effect":"cancel_timer","subject":0,"timer":"task_yellow"},{"effect":"cancel_timer","subject":0,"timer":"task_red"},{"effect":"cancel_timer","subject":0,"timer":"app_yellow"},{"effect":"cancel_timer","subject":0,"timer":"app_red"},{"effect":"issue_license","license":"11100000MB0143028R001"},{"effect":"issue_license","license":"11100000MB0143028R002"},{"effect":"notify","notice":"approved"}],"event":{"at":1796001649,"branch":"registration","step":0},"from":"in_review","to":"approved"}', '2026-11-30 01:20:49.010882+00', '\xc241d8585db05da169353639b8fe85b35fb9a0dd72e6a68c9971b84f4ec04467', '\xb2c4fb91204a92b958991eeb2b7ac6f9343d55797b5e47db29d95c4bb0d84ea8');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 20, 101, 'clerk "王"
	\ 窗口', 'clerk', NULL, 'deliver', '{"definition":"qykb@1","effects":[{"effect":"notify","notice":"delivered"}],"event":{"at":1796001649},"from":"approved","to":"delivered"}', '2026-11-30 01:20:49.012003+00', '\xb2c4fb91204a92b958991eeb2b7ac6f9343d55797b5e47db29d95c4bb0d84ea8', '\xbc3f0994fe6cbd63aa259f8b84ac70af3b67ddc50a89176421daa2f9aadf0e51');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (1, 21, 0, 'applicant', 'applicant', NULL, 'rate', '{"definition":"qykb@1","effects":[],"event":{"at":1796001649,"rating":5},"from":"delivered","to":"delivered"}', '2026-11-30 01:20:49.013028+00', '\xbc3f0994fe6cbd63aa259f8b84ac70af3b67ddc50a89176421daa2f9aadf0e51', '\x1993634005aeab88e6da489e4697ab6cceabaa378dd3d002b75e73418d88cd56');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (2, 1, 0, 'applicant', 'applicant', NULL, 'submit', '{"definition":"qykb@1","effects":[],"event":{"at":1796001649,"channel":"window","from_license":[],"materials":["application","articles","legal_rep_id_card","shareholder_proof","premises","appointment","food_safety_rules"]},"from":"none","to":"submitted"}', '2026-11-30 01:20:49.015133+00', '\x0000000000000000000000000000000000000000000000000000000000000000', '\x618d8d481782e8aba133cb8211b22fb4180bfbb8a968595db7f8d251819a76f1');
INSERT INTO public.audit_events (application_id, seq, actor_id, actor_name, role, bureau, action, payload, at, prev_hash, hash) VALUES (2, 2, 101, 'clerk "王"
	\ 窗口', 'clerk', NULL, 'accept', '{"data":{"n":12.5,"note":"line1\nline2 \"q\" \u001F"},"definition":"qykb@1","effects":[{"effect":"notify","notice":"accepted"},{"at":1796227200,"effect":"schedule_timer","subject":0,"timer":"app_yellow"},{"at":1796313600,"effect":"schedule_timer","subject":0,"timer":"app_red"},{"at":1796054400,"effect":"schedule_timer","subject":0,"timer":"task_yellow"},{"at":1796140800,"effect":"schedule_timer","subject":0,"timer":"task_red"},{"branch":"registration","deadline":"2026-12-01","effect":"create_task","round":1,"step":0},{"at":1796054400,"effect":"schedule_timer","subject":1,"timer":"task_yellow"},{"at":1796140800,"effect":"schedule_timer","subject":1,"timer":"task_red"},{"branch":"seal","deadline":"2026-12-01","effect":"create_task","round":1,"step":0},{"at":1796054400,"effect":"schedule_timer","subject":2,"timer":"task_yellow"},{"at":1796140800,"effect":"schedule_timer","subject":2,"timer":"task_red"},{"branch":"tax","deadline":"2026-12-01","effect":"create_task","round":1,"step":0},{"at":1796054400,"effect":"schedule_timer","subject":3,"timer":"task_yellow"},{"at":1796140800,"effect":"schedule_timer","subject":3,"timer":"task_red"},{"branch":"social_insurance","deadline":"2026-12-01","effect":"create_task","round":1,"step":0},{"at":1796054400,"effect":"schedule_timer","subject":4,"timer":"task_yellow"},{"at":1796140800,"effect":"schedule_timer","subject":4,"timer":"task_red"},{"branch":"housing_fund","deadline":"2026-12-01","effect":"create_task","round":1,"step":0},{"at":1796054400,"effect":"schedule_timer","subject":5,"timer":"task_yellow"},{"at":1796140800,"effect":"schedule_timer","subject":5,"timer":"task_red"},{"branch":"food","deadline":"2026-12-01","effect":"create_task","round":1,"step":0}],"event":{"at":1796001649,"committed":[],"gaps":[]},"from":"submitted","to":"in_review"}', '2026-11-30 01:20:49.019643+00', '\x618d8d481782e8aba133cb8211b22fb4180bfbb8a968595db7f8d251819a76f1', '\xf1cff3a9d529454dbe5bbdc9f42a6267836042771553606c749b0bf11a01b7b9');


--
-- Name: applications_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.applications_id_seq', 2, true);


--
-- PostgreSQL database dump complete
--


