<?php
// vcn: the controller page. What vcnd knows, read-only: VOs and their
// scale, VCNs per host with state, launch-to-ready time, pinning, limits in
// force and fairness, and the latest audit records. Read from vcnd's status
// socket ($conf['vcn_status_socket'], vcnd.conf status_socket: it answers
// read verbs only; the PHP user needs to be in status_socket_group). Every
// value from vcnd is escaped. ?embed=1 gives the fragment for the header tab.
include_once "./eval_conf.php";

function h($v)
{
  if (is_bool($v))
    $v = $v ? "yes" : "no";
  return htmlspecialchars($v === null ? "" : (string)$v, ENT_QUOTES, "UTF-8");
}

function num($v, $digits = 2)
{
  return is_numeric($v) ? h(number_format((float)$v, $digits, ".", "")) : "&ndash;";
}

// One request on the status socket: [answer, error].
function vcn_ask($path, $request)
{
  $s = @stream_socket_client("unix://" . $path, $errno, $errstr, 5);
  if (!$s)
    return array(null, "cannot connect to '$path': $errstr");
  stream_set_timeout($s, 5);
  fwrite($s, $request . "\n");
  $out = stream_get_contents($s);
  fclose($s);
  return array($out, null);
}

function vcn_ask_json($path, $request, &$errors)
{
  list($out, $err) = vcn_ask($path, "json " . $request);
  $j = $out === null ? null : json_decode($out, TRUE);
  if ($err !== null)
    $errors[] = $err;
  else if (!is_array($j) || empty($j['ok']))
    $errors[] = "'$request': " . (is_array($j) && isset($j['error']) ? $j['error'] : "no valid answer");
  return is_array($j) ? $j : array();
}

$sock = isset($conf['vcn_status_socket']) ? $conf['vcn_status_socket'] : "";
$cluster = isset($_GET['c']) && preg_match('/^[A-Za-z0-9._ -]{1,64}$/', $_GET['c']) ? $_GET['c'] :
  (isset($conf['vcn_cluster']) ? $conf['vcn_cluster'] : "");
$embed = isset($_GET['embed']);
$errors = array();
$status = $list = $fair = $pin = array();
$audit = array();
if ($sock === "") {
  $errors[] = "no vcnd status socket configured (gweb-install --vcnd-socket)";
} else {
  $status = vcn_ask_json($sock, "status", $errors);
  $list = vcn_ask_json($sock, "list", $errors);
  $fair = vcn_ask_json($sock, "fairness", $errors);
  $pin = vcn_ask_json($sock, "pin", $errors);
  list($out, $err) = vcn_ask($sock, "json audit 25");
  if ($err !== null)
    $errors[] = $err;
  foreach (explode("\n", (string)$out) as $line)
    if (trim($line) !== "" && is_array($a = json_decode($line, TRUE)))
      $audit[] = $a;
  $audit = array_reverse($audit);
}
if (empty($status))
  http_response_code(503);

// index by VCN name: fairness per VCN, pins per VCN
$fv = array();
$fh = array();
foreach (isset($fair['hosts']) ? $fair['hosts'] : array() as $fhost) {
  $fh[$fhost['name']] = $fhost;
  foreach (isset($fhost['vcns']) ? $fhost['vcns'] : array() as $v)
    $fv[$v['name']] = $v;
}
$pv = array();
foreach (isset($pin['hosts']) && is_array($pin['hosts']) ? $pin['hosts'] : array() as $hname => $map)
  foreach (isset($map['vms']) ? $map['vms'] : array() as $vm) {
    $cpus = array();
    foreach ($vm['vcpus'] as $vc)
      $cpus[] = "v" . $vc['vcpu'] . "&rarr;" . ($vc['cpus'] === "" ? "any" : h($vc['cpus']));
    $pv[$vm['name']] = ($vm['strategy'] !== "" ? h($vm['strategy']) . ": " : "") . implode(" ", $cpus);
  }
$byhost = array();
foreach (isset($list['vcns']) ? $list['vcns'] : array() as $v)
  $byhost[$v['host']][] = $v;

function host_link($cluster, $name)
{
  return "./?c=" . rawurlencode($cluster) . "&amp;h=" . rawurlencode($name);
}

if (!$embed) {
?><!DOCTYPE html>
<html><head><meta charset="utf-8"><title>vcn controller</title>
<link type="text/css" href="css/smoothness/jquery-ui-1.10.2.custom.min.css" rel="stylesheet">
<link type="text/css" href="./styles.css" rel="stylesheet">
<?php } ?>
<style>
.vcn table { border-collapse: collapse; margin: 0.3em 0 1.2em 0; }
.vcn th, .vcn td { border: 1px solid #ccc; padding: 2px 8px; text-align: left; font-size: 9pt; }
.vcn th { background: #505050; color: #eee; font: bold 9pt sans-serif; }
.vcn td.ts { white-space: nowrap; }
.vcn .err { color: #b00; font-weight: bold; }
.vcn .num { text-align: right; }
.vcn .ready { color: #070; } .vcn .failed { color: #b00; } .vcn .booting, .vcn .launching { color: #a60; }
</style>
<?php if (!$embed) { ?>
</head><body>
<p><a href="./<?php echo $cluster !== "" ? "?c=" . rawurlencode($cluster) : ""; ?>">&larr; Ganglia</a></p>
<?php } ?>
<div class="vcn" id="vcn-controller">
<h2>vcn controller</h2>
<?php foreach ($errors as $e) echo "<p class=\"err\">vcnd: " . h($e) . "</p>\n"; ?>
<p>Read-only view of vcnd (<?php echo h($sock); ?>) at <?php echo h(gmdate("Y-m-d H:i:s")); ?> UTC.
Fairness target: <?php echo num(isset($fair['target']) ? $fair['target'] : null); ?>&nbsp;(<?php echo isset($fair['acting']) && $fair['acting'] ? "acting" : "measuring only"; ?>).</p>

<h3>Virtual organisations</h3>
<table id="vcn-vos"><tr><th>VO</th><th>target</th><th>running</th><th>ready</th><th>min</th><th>max</th><th>view</th></tr>
<?php foreach (isset($status['vos']) ? $status['vos'] : array() as $vo) { ?>
<tr><td><?php echo h($vo['name']); ?></td><td class="num"><?php echo h($vo['desired']); ?></td>
<td class="num"><?php echo h($vo['running']); ?></td><td class="num"><?php echo h($vo['ready']); ?></td>
<td class="num"><?php echo h($vo['min']); ?></td><td class="num"><?php echo h($vo['max']); ?></td>
<td><a href="./?tab=v&amp;vn=<?php echo rawurlencode("vo-" . $vo['name']); ?>">vo-<?php echo h($vo['name']); ?></a></td></tr>
<?php } ?>
</table>

<h3>Hosts</h3>
<table id="vcn-hosts"><tr><th>host</th><th>URI</th><th>up</th><th>virt</th><th>CPUs</th><th>fairness CPU</th><th>disk</th><th>net</th><th>source</th><th>limit changes</th></tr>
<?php foreach (isset($status['hosts']) ? $status['hosts'] : array() as $ho) {
  $f = isset($fh[$ho['name']]) ? $fh[$ho['name']] : array(); ?>
<tr><td><a href="<?php echo host_link($cluster, $ho['name']); ?>"><?php echo h($ho['name']); ?></a></td>
<td><?php echo h($ho['uri']); ?></td><td><?php echo h($ho['up']); ?></td><td><?php echo h($ho['virt']); ?></td>
<td class="num"><?php echo h($ho['pcpus']); ?></td>
<td class="num"><?php echo num(isset($f['jain']['cpu']) ? $f['jain']['cpu'] : null, 3); ?></td>
<td class="num"><?php echo num(isset($f['jain']['disk']) ? $f['jain']['disk'] : null, 3); ?></td>
<td class="num"><?php echo num(isset($f['jain']['net']) ? $f['jain']['net'] : null, 3); ?></td>
<td><?php echo h(isset($f['source']) ? $f['source'] : ""); ?></td>
<td class="num"><?php echo h(isset($f['actions']) ? $f['actions'] : ""); ?></td></tr>
<?php } ?>
</table>

<h3>VCNs</h3>
<?php foreach ($byhost as $hname => $vcns) { ?>
<h4>on <?php echo h($hname); ?></h4>
<table class="vcn-vcns"><tr><th>VCN</th><th>VO</th><th>state</th><th>ready in (s)</th><th>vCPUs</th><th>pinning</th>
<th>CPU used</th><th>CPU fair share</th><th>steal %</th><th>cpu_shares</th><th>CPU quota (us)</th><th>disk limit (B/s)</th><th>net limit (B/s)</th></tr>
<?php foreach ($vcns as $v) {
  $f = isset($fv[$v['name']]) ? $fv[$v['name']] : array();
  $l = isset($f['limits']) && is_array($f['limits']) ? $f['limits'] : array(); ?>
<tr><td><a href="<?php echo host_link($cluster, $v['name']); ?>"><?php echo h($v['name']); ?></a></td>
<td><?php echo h($v['vo']); ?></td><td class="<?php echo h($v['state']); ?>"><?php echo h($v['state']); ?></td>
<td class="num"><?php echo num($v['ready_s']); ?></td><td class="num"><?php echo h($v['vcpus']); ?></td>
<td><?php echo isset($pv[$v['name']]) ? $pv[$v['name']] : "&ndash;"; ?></td>
<td class="num"><?php echo num(isset($f['cpu_used']) ? $f['cpu_used'] : null); ?></td>
<td class="num"><?php echo num(isset($f['cpu_entitled']) ? $f['cpu_entitled'] : null); ?></td>
<td class="num"><?php echo num(isset($f['cpu_steal_pct']) ? $f['cpu_steal_pct'] : null, 1); ?></td>
<td class="num"><?php echo h(isset($l['cpu_shares']) ? $l['cpu_shares'] : ""); ?></td>
<td class="num"><?php echo h(isset($l['cpu_quota_us']) ? $l['cpu_quota_us'] : ""); ?></td>
<td class="num"><?php echo h(isset($l['disk_bytes_s']) ? $l['disk_bytes_s'] : ""); ?></td>
<td class="num"><?php echo h(isset($l['net_bytes_s']) ? $l['net_bytes_s'] : ""); ?><?php
  echo isset($f['net_mechanism']) && $f['net_mechanism'] !== "" ? " (" . h($f['net_mechanism']) . ")" : ""; ?></td></tr>
<?php } ?>
</table>
<?php } ?>

<h3>Latest audit records</h3>
<table id="vcn-audit"><tr><th>time (UTC)</th><th>action</th><th>VCN</th><th>host</th><th>detail</th></tr>
<?php foreach ($audit as $a) { ?>
<tr><td class="ts"><?php echo h(isset($a['ts']) ? $a['ts'] : ""); ?></td><td><?php echo h(isset($a['action']) ? $a['action'] : ""); ?></td>
<td><?php echo h(isset($a['vcn']) ? $a['vcn'] : ""); ?></td><td><?php echo h(isset($a['host']) ? $a['host'] : ""); ?></td>
<td><?php echo h(isset($a['detail']) ? $a['detail'] : ""); ?></td></tr>
<?php } ?>
</table>
</div>
<?php if (!$embed) { ?>
</body></html>
<?php }
